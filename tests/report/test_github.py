"""`--format github`: workflow commands that no path or message can break out of."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner
from samples import HOSTILE, LATE_HANDLER

from sigcheck.checking.results import FileError, Report, TraceStep
from sigcheck.cli import main
from sigcheck.report import github
from sigcheck.report.text import clean

# The runner's unescaping (actions/runner ActionCommand): %25 last, so "%250A" stays "%0A".
DATA_UNESCAPES = [("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]
PROPERTY_UNESCAPES = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]


def _unescape(text: str, table) -> str:
    for escaped, plain in table:
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the runner reads it: `::name k=v,k=v::data`, split at the first `::`."""
    assert line.startswith("::")
    end = line.index("::", 2)
    name, _, fields = line[2:end].partition(" ")
    properties = {}
    for field in filter(None, fields.split(",")):
        key, _, value = field.partition("=")
        properties[key] = _unescape(value, PROPERTY_UNESCAPES)
    return name, properties, _unescape(line[end + 2:], DATA_UNESCAPES)


def test_engine_findings_become_annotations(engine_report):
    lines = github.render(engine_report).split("\n")
    assert len(lines) == len(engine_report.diagnostics) + len(engine_report.errors)
    parsed = [parse(line) for line in lines]
    assert [name for name, _, _ in parsed] == ["notice", "error", "warning", "error"]
    for (name, properties, message), d in zip(parsed, engine_report.diagnostics):
        assert properties == {"file": "train.py", "line": str(d.line), "endLine": str(d.end_line), "col": str(d.column),
                              "endColumn": str(d.end_column), "title": f"{d.code} {d.name}"}
        assert message.startswith(d.message)
    name, properties, message = parsed[-1]
    assert (properties["file"], properties["line"], properties["title"]) == ("broken.py", "1", "sigcheck E902 file not analysed")
    assert message.startswith("syntax error")
    assert lines[1].startswith("::error file=train.py,line=11,endLine=11,col=1,endColumn=")


def test_trace_follows_the_message_on_lines_of_its_own(hand_report):
    _, _, message = parse(github.render(hand_report).split("\n")[0])
    assert message == ("handler never saves\n\ntrace: SIGTERM handler registered here (pkg/train.py:12) → "
                       "handler on_sigterm (pkg/handlers.py:3)")


def test_file_errors_without_a_line(hand_report):
    last = github.render(hand_report).split("\n")[-1]
    assert last == "::error file=pkg/unreadable.py,title=sigcheck E902 file not analysed::cannot read"


@pytest.mark.parametrize("hostile_path", [HOSTILE, "a,line=99::b.py", "x\n::error::y.py", "%0A%25.py"])
def test_hostile_paths_and_messages_cannot_inject_commands(make_diagnostic, hostile_path):
    report = Report(
        diagnostics=[make_diagnostic(path=hostile_path, message=HOSTILE, name=HOSTILE,
                                     trace=(TraceStep(hostile_path, 1, 1, HOSTILE),))],
        errors=[FileError(hostile_path, HOSTILE, 2, 3)],
    )
    text = github.render(report)
    lines = text.split("\n")
    assert len(lines) == 2 and "\r" not in text and "\x1b" not in text and "\x00" not in text
    (name, properties, message), (error_name, error_properties, error_message) = map(parse, lines)
    assert (name, error_name) == ("error", "error")
    assert set(properties) == {"file", "line", "endLine", "col", "endColumn", "title"}
    assert properties["file"] == _plain(hostile_path)
    assert properties["line"] == "12" and properties["title"] == _plain(f"SIG002 {HOSTILE}")
    assert message.startswith(_plain(HOSTILE) + "\n\ntrace: ")
    assert error_properties == {"file": _plain(hostile_path), "line": "2", "col": "3",
                                "title": "sigcheck E902 file not analysed"}
    assert error_message == _plain(HOSTILE)


def _plain(text: str) -> str:
    """What survives the round trip: all but terminal escapes and control characters other than CR and LF."""
    return "".join(part if part in "\r\n" else clean(part) for part in re.split("(\r|\n)", text))


def test_escaping_matches_the_actions_toolkit():
    assert github.escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert github.escape_property("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext%3A a%2Cb"


@pytest.mark.skipif(os.name == "nt", reason="file names with newlines and colons are POSIX-only")
def test_cli_with_a_hostile_file_name(run_sigcheck):
    name = "evil,line=1::\n::error file=x.py::pwned.py"
    run_sigcheck({name: LATE_HANDLER}, [name])
    result = CliRunner().invoke(main, [name, "--format", "github"], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.output.rstrip("\n").split("\n")
    assert [parse(line)[0] for line in lines] == ["error", "warning"]
    assert {parse(line)[1]["file"] for line in lines} == {name}
