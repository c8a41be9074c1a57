"""Published rule pages: docs/rules/<CODE>.md is what `sigcheck rule CODE` prints, for every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sigcheck.cli import main
from sigcheck.report.docs import rule_page, rule_url
from sigcheck.rules import ALL_RULES

PAGES = Path(__file__).parents[2] / "docs" / "rules"
REGENERATE = "regenerate them with `python -m sigcheck.report.docs docs/rules`"


def test_there_is_a_page_for_every_rule_and_no_other():
    """And one for the code a file that could not be analysed is shown with, which is no rule."""
    from sigcheck.report.docs import FILE_ERROR_CODE

    assert sorted(p.stem for p in PAGES.glob("*.md")) == sorted([r.code for r in ALL_RULES] + [FILE_ERROR_CODE]), REGENERATE


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_page_is_what_sigcheck_rule_prints(rule):
    page = PAGES / f"{rule.code}.md"
    assert page.read_text(encoding="utf-8") == rule_page(rule), f"{page.name} is out of date: {REGENERATE}"
    assert CliRunner().invoke(main, ["rule", rule.code]).output == rule_page(rule) + "\n"
    assert rule_url(rule.code).endswith(f"/docs/rules/{rule.code}.md")
