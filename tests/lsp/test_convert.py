"""The LSP conversion shared by `sigcheck lsp` and `--format lsp`: positions, links, traces, fixes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from click.testing import CliRunner
from lsprotocol import types

from sigcheck.checking.results import Diagnostic, Edit, FileError, Fix, Report, TraceStep
from sigcheck.cli import main
from sigcheck.lsp.convert import Texts, diagnostic, file_error, publish_params, workspace_edit
from sigcheck.report.docs import rule_url

LINE = 'x = "\U0001f642"; y = "/opt/ml/model"'  # the emoji: one code point, two UTF-16 units, four UTF-8 bytes


def _finding(path: str, **changes) -> Diagnostic:
    values = dict(code="OPT001", name="hardcoded-sagemaker-path", severity="warning", path=path, line=1, column=14,
                  end_line=1, end_column=29, message="Hard-coded '/opt/ml/model'")
    values.update(changes)
    return Diagnostic(**values)


def test_columns_follow_the_negotiated_encoding(tmp_path: Path):
    path = str(tmp_path / "train.py")
    overlays = {tmp_path / "train.py": LINE + "\n"}
    starts = {encoding: diagnostic(_finding(path), Texts(overlays, encoding)).range.start.character
              for encoding in ("utf-16", "utf-32", "utf-8")}
    assert starts == {"utf-16": 14, "utf-32": 13, "utf-8": 16}


def test_lines_end_only_where_python_ends_them(tmp_path: Path):
    # A form feed is no line break for Python (nor for LSP); \r alone is.
    (tmp_path / "a.py").write_text("a = 1\x0cb = 2\rc = 3\n", encoding="utf-8")
    texts = Texts()
    assert texts.position(str(tmp_path / "a.py"), 2, 3) == types.Position(line=1, character=2)
    assert texts.line_end(str(tmp_path / "a.py"), 1).character == len("a = 1\x0cb = 2")


def test_code_link_severity_source_and_trace_as_related_information(tmp_path: Path):
    path = str(tmp_path / "train.py")
    (tmp_path / "train.py").write_text("import signal\nsignal.signal(signal.SIGTERM, h)\ndef h(s, f):\n    pass\n")
    d = diagnostic(_finding(path, code="SIG002", name="handler-never-saves", severity="error", line=2, column=1,
                            end_line=2, end_column=33, trace=(TraceStep(path, 2, 1, "registered here"),
                                                              TraceStep(path, 3, 5, ""))), Texts())
    assert (d.code, d.source, d.severity) == ("SIG002", "sigcheck", types.DiagnosticSeverity.Error)
    assert d.code_description.href == rule_url("SIG002") and rule_url("SIG002").endswith("docs/rules/SIG002.md")
    first, second = d.related_information
    assert first.location.uri == (tmp_path / "train.py").resolve().as_uri()
    assert first.location.range == types.Range(start=types.Position(line=1, character=0),
                                               end=types.Position(line=1, character=32))  # the rest of the line
    assert first.message == "registered here" and second.message == "trace step"  # LSP wants a message
    assert d.data == {"name": "handler-never-saves"}


def test_a_fix_becomes_a_workspace_edit(tmp_path: Path):
    path = str(tmp_path / "train.py")
    fix = Fix("Read SM_MODEL_DIR", (Edit(path, 1, 14, 1, 29, 'os.environ.get("SM_MODEL_DIR")'),
                                    Edit(path, 1, 1, 1, 1, "import os\n")))
    texts = Texts({tmp_path / "train.py": LINE})
    edit = workspace_edit(fix, texts)
    [(uri, edits)] = edit.changes.items()
    assert uri == (tmp_path / "train.py").as_uri()
    assert [(e.range.start.character, e.range.end.character, e.new_text) for e in edits] == [
        (14, 29, 'os.environ.get("SM_MODEL_DIR")'), (0, 0, "import os\n")]
    data = diagnostic(_finding(path, fix=fix), texts).data["fix"]
    assert data["title"] == "Read SM_MODEL_DIR" and data["safe"] is True
    assert data["edit"]["changes"][uri][1] == {"range": {"start": {"line": 0, "character": 0},
                                                         "end": {"line": 0, "character": 0}}, "newText": "import os\n"}


def test_a_file_that_could_not_be_analysed_is_an_error_at_its_place(tmp_path: Path):
    (tmp_path / "bad.py").write_text("def f(:\n")
    located = file_error(FileError(str(tmp_path / "bad.py"), "cannot parse", 1, 7), Texts())
    assert (located.code, located.severity) == ("E902", types.DiagnosticSeverity.Error)
    assert located.range == types.Range(start=types.Position(line=0, character=6), end=types.Position(line=0, character=7))
    unlocated = file_error(FileError(str(tmp_path / "big.py"), "skipped: over the limit"), Texts())
    assert unlocated.range.start == unlocated.range.end == types.Position(line=0, character=0)


def test_publish_params_one_per_file_and_clean_files_empty(tmp_path: Path):
    report = Report(diagnostics=[_finding(str(tmp_path / "b.py"))], errors=[FileError(str(tmp_path / "c.py"), "x")],
                    files=[str(tmp_path / "a.py"), str(tmp_path / "b.py")])
    params = publish_params(report, Texts())
    assert [(Path(p.uri).name, len(p.diagnostics)) for p in params] == [("a.py", 0), ("b.py", 1), ("c.py", 1)]


def test_format_lsp_prints_publish_diagnostics_params(tmp_path: Path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.sigcheck]\nseverity = { OPT001 = "info" }\n')
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import torch
        for epoch in range(3):
            torch.save({}, "/opt/ml/model/model.pt")
    """).lstrip())
    (tmp_path / "lib.py").write_text("X = 1\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [".", "--format", "lsp"])
    assert result.exit_code == 1, result.output
    [params] = json.loads(result.output)
    assert params["uri"] == (tmp_path / "train.py").resolve().as_uri()
    [d] = params["diagnostics"]
    assert (d["code"], d["severity"], d["source"]) == ("OPT001", 3, "sigcheck")
    assert d["range"] == {"start": {"line": 2, "character": 19}, "end": {"line": 2, "character": 43}}
    assert d["codeDescription"] == {"href": rule_url("OPT001")}
    assert d["data"]["fix"]["safe"] is True
