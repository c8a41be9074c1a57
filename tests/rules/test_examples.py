"""Every rule's valid and invalid examples, run as tests (Fixit's VALID/INVALID style)."""

from __future__ import annotations

import pytest

from project_files import expected_lines
from sigcheck.rules import ALL_RULES


def _cases(kind: str):
    for rule in ALL_RULES:
        for number, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{number}")


@pytest.mark.parametrize("rule, example", list(_cases("valid")))
def test_valid_example_is_silent(rule, example, example_findings):
    found, _ = example_findings(rule.code, example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("rule, example", list(_cases("invalid")))
def test_invalid_example_is_reported(rule, example, example_findings):
    found, marked = example_findings(rule.code, example)
    assert [line for path, line in found if path == example.name] == marked, example.why
    for name, text in example.files.items():  # a finding placed in another file is marked there
        lines = expected_lines(text, rule.code)
        if lines:
            assert [line for path, line in found if path == name] == lines, example.why
    assert marked or any(expected_lines(text, rule.code) for text in example.files.values()), example.why


def test_every_rule_has_examples_both_ways():
    for rule in ALL_RULES:
        assert rule.valid and rule.invalid, rule.code
        assert all(e.why for e in (*rule.valid, *rule.invalid)), rule.code
