"""`--format junit`: well-formed JUnit XML, a test case per file and a failure per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from click.testing import CliRunner
from samples import HOSTILE, LATE_HANDLER

from sigcheck.checking.results import FileError, Report
from sigcheck.cli import main
from sigcheck.report import junit


def test_engine_report_as_test_cases(engine_report):
    root = ET.fromstring(junit.render(engine_report))
    assert root.tag == "testsuites"
    [suite] = root
    assert suite.tag == "testsuite" and suite.get("name") == "sigcheck"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"broken.py", "good.py", "train.py"}
    assert list(cases["good.py"]) == []
    failures = cases["train.py"].findall("failure")
    assert [(f.get("type"), f.get("message")) for f in failures] == [(d.code, f"{d.code} {d.message}")
                                                                     for d in engine_report.diagnostics]
    assert failures[1].text.startswith("train.py:11:1: SIG002 [error] ")
    assert "train.py:11:1: SIGTERM handler registered here" in failures[1].text
    [error] = cases["broken.py"]
    assert error.tag == "error" and error.get("type") == "E902"
    assert error.text.startswith("broken.py:1:") and " E902 syntax error" in error.text


def test_fix_and_trace_in_the_failure_text(hand_report):
    suite = ET.fromstring(junit.render(hand_report))[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "2")
    train = next(case for case in suite if case.get("name") == "pkg/train.py")
    [first, second] = train.findall("failure")
    assert first.text == ("pkg/train.py:12:5: SIG002 [error] handler never saves\n"
                          "  pkg/train.py:12:5: SIGTERM handler registered here\n"
                          "  pkg/handlers.py:3:1: handler on_sigterm\n"
                          "  fix: save a checkpoint before exiting")
    assert second.get("type") == "SIG007"
    unreadable = next(case for case in suite if case.get("name") == "pkg/unreadable.py")
    assert unreadable[0].text == "pkg/unreadable.py: E902 cannot read"


def test_hostile_text_stays_well_formed(make_diagnostic):
    path = 'a"<b>&\x00\x1b[1m\udcff.py'
    report = Report([make_diagnostic(path=path, message=HOSTILE, trace=(), fix=None)], [FileError(path, HOSTILE)], [path])
    text = junit.render(report)
    root = ET.fromstring(text.encode("utf-8"))  # fails on any character XML 1.0 does not allow
    case = root.find("testsuite/testcase")
    assert case.get("name") == case.get("file") == 'a"<b>&.py'
    failure, error = case
    plain = HOSTILE.replace("\x1b[31m", "").replace("\x1b[0m", "").replace("\x00", "").replace("\r", "")
    assert failure.get("message") == f"SIG002 {plain}"
    assert failure.text.endswith(plain) and error.get("message") == plain
    assert "]]>" in failure.text  # text content needs no CDATA section to carry it


def test_a_clean_run_is_all_passes():
    root = ET.fromstring(junit.render(Report(files=["a.py", "b.py"])))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "0", "0")
    assert all(len(case) == 0 for case in root.iter("testcase"))


def test_cli_prints_junit(run_sigcheck):
    run_sigcheck({"train.py": LATE_HANDLER})
    result = CliRunner().invoke(main, ["train.py", "--format", "junit"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert len(ET.fromstring(result.output.encode("utf-8")).findall("testsuite/testcase/failure")) == 2
