"""`--format gitlab`: GitLab Code Quality issues with unique, line-independent fingerprints."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner
from samples import LATE_HANDLER

from sigcheck.checking.results import Report
from sigcheck.cli import main
from sigcheck.report import gitlab

REQUIRED = {"description", "check_name", "fingerprint", "severity", "location"}


def test_engine_report_as_code_quality_issues(engine_report):
    issues = json.loads(gitlab.render(engine_report))
    assert len(issues) == len(engine_report.diagnostics) + 1
    for issue, d in zip(issues, engine_report.diagnostics):
        assert REQUIRED <= set(issue)
        assert issue["check_name"] == d.code and issue["description"] == f"{d.code} {d.message}"
        assert issue["location"] == {"path": "train.py", "lines": {"begin": d.line, "end": d.end_line}}
    assert [i["severity"] for i in issues] == ["info", "critical", "major", "major"]
    error = issues[-1]
    assert error["check_name"] == "E902" and error["location"] == {"path": "broken.py", "lines": {"begin": 1}}
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    assert all(len(fp) == 32 and int(fp, 16) >= 0 for fp in fingerprints)


def test_severity_scale(make_diagnostic):
    issues = gitlab.as_list(Report([make_diagnostic(severity=s) for s in ("error", "warning", "info")]))
    assert [i["severity"] for i in issues] == ["critical", "major", "info"]
    assert all(i["severity"] in {"info", "minor", "major", "critical", "blocker"} for i in issues)


def test_fingerprints_unique_for_repeated_findings_and_stable_when_lines_move(make_diagnostic, run_sigcheck):
    twice = gitlab.as_list(Report([make_diagnostic(line=3, end_line=3), make_diagnostic(line=9, end_line=9)]))
    assert twice[0]["fingerprint"] != twice[1]["fingerprint"]

    before = gitlab.as_list(run_sigcheck({"train.py": LATE_HANDLER}))
    after = gitlab.as_list(run_sigcheck({"train.py": "import os\n\n" + textwrap.dedent(LATE_HANDLER).lstrip()}))
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    assert [i["location"]["lines"]["begin"] + 2 for i in before] == [i["location"]["lines"]["begin"] for i in after]


def test_cli_prints_code_quality_json(run_sigcheck):
    run_sigcheck({"train.py": LATE_HANDLER})
    result = CliRunner().invoke(main, ["train.py", "--format", "gitlab"], catch_exceptions=False)
    assert result.exit_code == 1
    assert [i["check_name"] for i in json.loads(result.output)] == ["SIG002", "SIG007"]
