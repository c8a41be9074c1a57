"""What the static findings predict a stop will do, and where an observed run agrees or differs."""

from __future__ import annotations

import pytest

from sigcheck.verify.compare import compare, predict


def test_no_finding_predicts_save_and_stop():
    prediction = predict([], pid1=True)
    assert (prediction.saves, prediction.stops) == (True, True)


def test_style_and_path_rules_predict_nothing_about_a_stop():
    assert predict(["OPT001", "SIG011", "SIG007"], pid1=True).saves is True


@pytest.mark.parametrize("pid1, stops", [(True, False), (False, True)])
def test_missing_handler_depends_on_being_pid1(pid1, stops):
    """As PID 1 SIGTERM is ignored until SIGKILL; otherwise its default action kills at once."""
    prediction = predict(["SIG001"], pid1)
    assert prediction.saves is False and prediction.stops is stops


def test_handler_that_never_stops_saves_but_runs_until_sigkill():
    prediction = predict(["SIG004"], pid1=True)
    assert (prediction.saves, prediction.stops) == (True, False)


def test_one_failing_claim_wins_over_an_open_question():
    prediction = predict(["SIG004", "SIG002"], pid1=True)
    assert prediction.saves is False and prediction.stops is False
    assert predict(["SIG003"], pid1=True).saves is None


def test_comparison_names_each_difference():
    findings = [{"code": "SIG004", "path": "train.py", "line": 3, "message": "m"}]
    agreeing = compare(findings, observed_saves=True, observed_stops=False, pid1=True)
    assert agreeing.agrees and agreeing.differences == []
    differing = compare(findings, observed_saves=True, observed_stops=True, pid1=True)
    assert differing.agrees is False
    assert differing.differences == ["predicted it never stops before the deadline; observed it did"]


def test_nothing_is_compared_when_there_is_a_note():
    comparison = compare([], True, True, pid1=True, note="the command ended before the stop signal was sent")
    assert comparison.agrees is None
