"""Every rule's valid and invalid examples, run as tests (Fixit's VALID/INVALID style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sigcheck.loading.discovery import is_dockerfile

from sigcheck.rules import ALL_RULES

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def _cases(kind: str):
    for rule in ALL_RULES:
        for number, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{number}")


def expected_lines(source: str, code: str) -> list[int]:
    """Lines marked by `# expect: CODE` on the line before them."""
    lines = source.lstrip("\n").splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        match = _EXPECT.search(line)
        if match and code in [c.strip() for c in match.group(1).split(",")]:
            found.append(number + 1)
    return found


def _args(example) -> list[str] | None:
    """A Python example beside a Dockerfile is reached through the container: run on the folder."""
    if not is_dockerfile(Path(example.name)) and any(is_dockerfile(Path(name)) for name in example.files):
        return ["."]
    return None


@pytest.mark.parametrize("rule, example", list(_cases("valid")))
def test_valid_example_is_silent(rule, example, run_sigcheck):
    report = run_sigcheck({example.name: example.code, **example.files}, args=_args(example), select=(rule.code, *example.select))
    assert not report.errors, report.errors
    found = [d for d in report.diagnostics if d.code == rule.code]
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("rule, example", list(_cases("invalid")))
def test_invalid_example_is_reported(rule, example, run_sigcheck):
    report = run_sigcheck({example.name: example.code, **example.files}, args=_args(example), select=(rule.code, *example.select))
    assert not report.errors, report.errors
    lines = sorted(d.line for d in report.diagnostics if d.code == rule.code and d.path == example.name)
    assert lines == expected_lines(example.code, rule.code), example.why


def test_every_rule_has_examples_both_ways():
    for rule in ALL_RULES:
        assert rule.valid and rule.invalid, rule.code
        assert all(e.why for e in (*rule.valid, *rule.invalid)), rule.code
