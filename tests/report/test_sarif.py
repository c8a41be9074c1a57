"""`--format sarif`: valid SARIF 2.1.0 that keeps to GitHub code scanning's requirements and limits."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from click.testing import CliRunner
from samples import HOSTILE, LATE_HANDLER

from sigcheck.checking.results import Report, TraceStep
from sigcheck.checking.rule import Rule
from sigcheck.cli import main
from sigcheck.report import sarif
from sigcheck.rules import ALL_RULES

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


def check_github_requirements(log: dict) -> None:
    """What GitHub's "SARIF support for code scanning" marks required (non-empty) or limits."""
    assert log["$schema"] and log["version"] == "2.1.0" and 1 <= len(log["runs"]) <= 20
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] and isinstance(driver["rules"], list) and len(driver["rules"]) <= 25_000
        for rule in driver["rules"]:
            assert rule["id"] and len(rule["name"]) <= 255
            assert 0 < len(rule["shortDescription"]["text"]) <= 1024
            assert 0 < len(rule["fullDescription"]["text"]) <= 1024
            assert rule["help"]["text"] and rule["help"]["markdown"]
            assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
            assert len(rule["properties"]["tags"]) <= 20
        assert len(run["results"]) <= 25_000
        for result in run["results"]:
            assert result["message"]["text"]
            assert len(result["locations"]) == 1
            physical = result["locations"][0]["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            assert set(physical["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
            assert result["partialFingerprints"]["primaryLocationLineHash"]
            for flow in result.get("codeFlows", []):
                for thread in flow["threadFlows"]:
                    assert len(thread["locations"]) <= 10_000


def test_engine_report_is_valid_sarif_for_github(engine_report):
    log = sarif.as_dict(engine_report)
    validate(log)
    check_github_requirements(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [rule.code for rule in ALL_RULES]
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in rules}["SIG011"] == "note"
    assert {r["id"]: r["defaultConfiguration"]["enabled"] for r in rules}["SIG011"] is False

    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [(d.code, {"error": "error", "warning": "warning", "info": "note"}[d.severity])
                                                            for d in engine_report.diagnostics]
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    for result, d in zip(results, engine_report.diagnostics):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"] == d.message
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "train.py", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": d.line, "startColumn": d.column, "endLine": d.end_line, "endColumn": d.end_column}
        notes = [loc["location"]["message"]["text"] for flow in result.get("codeFlows", [])
                 for thread in flow["threadFlows"] for loc in thread["locations"]]
        assert notes == [s.note for s in d.trace]
    assert any("codeFlows" in r for r in results)

    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/") and Path(unquote(urlsplit(base).path)) == Path.cwd()
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False  # broken.py could not be analysed
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and notification["descriptor"]["id"] == "E902"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"


def test_rules_carry_their_page_as_help():
    rules = sarif.as_dict(Report())["runs"][0]["tool"]["driver"]["rules"]
    sig002 = next(r for r in rules if r["id"] == "SIG002")
    assert sig002["shortDescription"]["text"] == "A SIGTERM handler that no path connects to code saving the model or checkpoint."
    assert sig002["fullDescription"]["text"].startswith("Follows each SIGTERM handler")
    assert "## What it does" in sig002["help"]["markdown"] and "## Reported (tested example)" in sig002["help"]["markdown"]
    assert sig002["help"]["text"] == sig002["help"]["markdown"]


def test_traces_and_fixes_of_constructed_diagnostics(hand_report):
    log = sarif.as_dict(hand_report)
    validate(log)
    check_github_requirements(log)
    first = log["runs"][0]["results"][0]
    [flow] = first["codeFlows"]
    assert [loc["location"] for loc in flow["threadFlows"][0]["locations"]] == [
        {"physicalLocation": {"artifactLocation": {"uri": "pkg/train.py", "uriBaseId": "%SRCROOT%"},
                              "region": {"startLine": 12, "startColumn": 5}},
         "message": {"text": "SIGTERM handler registered here"}},
        {"physicalLocation": {"artifactLocation": {"uri": "pkg/handlers.py", "uriBaseId": "%SRCROOT%"},
                              "region": {"startLine": 3, "startColumn": 1}},
         "message": {"text": "handler on_sigterm"}},
    ]
    [fix] = first["fixes"]
    assert fix["description"] == {"text": "save a checkpoint before exiting"}
    assert fix["properties"] == {"applicability": "unsafe"}
    handlers, train = fix["artifactChanges"]
    assert handlers["artifactLocation"]["uri"] == "pkg/handlers.py"
    assert handlers["replacements"] == [
        {"deletedRegion": {"startLine": 4, "startColumn": 5, "endLine": 4, "endColumn": 5},
         "insertedContent": {"text": "save_checkpoint()\n    "}},
        {"deletedRegion": {"startLine": 9, "startColumn": 1, "endLine": 10, "endColumn": 1}},  # a deletion
    ]
    assert train["artifactLocation"]["uri"] == "pkg/train.py"
    assert [r["level"] for r in log["runs"][0]["results"]] == ["error", "warning", "note"]
    assert all("codeFlows" not in r and "fixes" not in r for r in log["runs"][0]["results"][1:])
    notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notifications[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 7}
    assert "region" not in notifications[1]["locations"][0]["physicalLocation"]


def test_a_run_without_problems_is_successful_and_empty():
    log = sarif.as_dict(Report(files=["train.py"]))
    validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0] == {"executionSuccessful": True, "toolExecutionNotifications": []}


def _fingerprints(run_sigcheck, text: str) -> dict[tuple[str, str], tuple[str, int]]:
    report = run_sigcheck({"train.py": text}, extend_select=("SIG011",))
    results = sarif.as_dict(report)["runs"][0]["results"]
    return {(r["ruleId"], r["message"]["text"]): (r["partialFingerprints"]["primaryLocationLineHash"],
                                                 r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results}


def test_fingerprints_are_stable_across_runs_and_line_moves(run_sigcheck):
    before = _fingerprints(run_sigcheck, LATE_HANDLER)
    assert before == _fingerprints(run_sigcheck, LATE_HANDLER)
    moved = _fingerprints(run_sigcheck, "# a comment\n\n\n" + textwrap.dedent(LATE_HANDLER).lstrip())
    assert len(before) == 3 and before.keys() == moved.keys()
    for key in before:
        assert before[key][0] == moved[key][0]
        assert moved[key][1] == before[key][1] + 3
    assert len({fp for fp, _ in before.values()}) == 3


def test_fingerprints_change_with_the_code_and_tell_repeated_findings_apart(make_diagnostic):
    same = [make_diagnostic(line=10, end_line=10, trace=(), fix=None), make_diagnostic(line=30, end_line=30, trace=(), fix=None)]
    first, second = (r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif.as_dict(Report(same))["runs"][0]["results"])
    assert first.split(":")[0] == second.split(":")[0] and (first[-2:], second[-2:]) == (":1", ":2")
    reindented = make_diagnostic(source_line="signal.signal(signal.SIGTERM,   on_sigterm)")
    other_line = make_diagnostic(source_line="signal.signal(signal.SIGINT, on_sigterm)")
    other_path = make_diagnostic(path="pkg/other.py")
    hashes = [sarif.as_dict(Report([d]))["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
              for d in (make_diagnostic(), reindented, other_line, other_path)]
    assert hashes[0] == hashes[1]
    assert len(set(hashes)) == 3


def test_paths_become_uris(make_diagnostic, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    odd = make_diagnostic(path="my dir/a#b%c?.py", trace=(TraceStep("../outside/lib.py", 1, 1, "step"),), fix=None)
    log = sarif.as_dict(Report([odd]))
    validate(log)
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "my%20dir/a%23b%25c%3F.py", "uriBaseId": "%SRCROOT%"}
    outside = result["codeFlows"][0]["threadFlows"][0]["locations"][0]["location"]["physicalLocation"]["artifactLocation"]
    assert outside == {"uri": (tmp_path.parent / "outside" / "lib.py").as_uri()}


def test_hostile_messages_stay_data(make_diagnostic):
    text = sarif.render(Report([make_diagnostic(message=HOSTILE, path="a\udcff.py")]))
    log = json.loads(text)
    validate(log)
    assert log["runs"][0]["results"][0]["message"]["text"] == HOSTILE
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%FF.py"
    assert text.isascii()


def test_results_over_githubs_limit_keep_the_most_severe(make_diagnostic):
    infos = [make_diagnostic(severity="info", line=i, end_line=i, trace=(), fix=None) for i in range(1, sarif.MAX_RESULTS + 1)]
    errors = [make_diagnostic(line=i, end_line=i, trace=(), fix=None) for i in range(1, 3)]
    log = sarif.as_dict(Report(sorted(infos + errors, key=lambda d: d.sort_key)))
    results = log["runs"][0]["results"]
    assert len(results) == sarif.MAX_RESULTS
    assert sum(r["level"] == "error" for r in results) == 2
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("2 findings left out")


def test_long_traces_are_cut_to_githubs_limit(make_diagnostic):
    steps = tuple(TraceStep("a.py", i, 1, f"step {i}") for i in range(1, sarif.MAX_THREAD_FLOW_LOCATIONS + 2))
    result = sarif.as_dict(Report([make_diagnostic(trace=steps)]))["runs"][0]["results"][0]
    assert len(result["codeFlows"][0]["threadFlows"][0]["locations"]) == sarif.MAX_THREAD_FLOW_LOCATIONS


def test_rule_texts_are_cut_to_githubs_limits(monkeypatch):
    class Wordy(Rule):
        code = "SIG999"
        name = "x" * 300
        __doc__ = ("word " * 300) + "\n\n## What it does\n" + ("more " * 300)

    monkeypatch.setattr(sarif, "ALL_RULES", [Wordy])
    log = sarif.as_dict(Report())
    validate(log)
    check_github_requirements(log)
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["fullDescription"]["text"].endswith("more…")


def test_cli_prints_sarif(run_sigcheck):
    run_sigcheck({"train.py": LATE_HANDLER})  # writes the project and enters it
    result = CliRunner().invoke(main, ["train.py", "--format", "sarif"], catch_exceptions=False)
    assert result.exit_code == 1
    log = json.loads(result.output)
    validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["SIG002", "SIG007"]


@pytest.mark.parametrize("level", ["error", "warning", "info"])
def test_result_level_follows_the_configured_severity(make_diagnostic, level):
    result = sarif.as_dict(Report([make_diagnostic(severity=level)]))["runs"][0]["results"][0]
    assert result["level"] == sarif.LEVELS[level]
