"""sigcheck's findings as LSP diagnostics: the one conversion behind `sigcheck lsp` and `--format lsp`.

sigcheck counts lines as Python does (\\n, \\r\\n and \\r end one) from 1, and columns in code points
from 1; LSP counts both from 0 and columns in the encoding the client and server agreed on (UTF-16
unless the client offers another). So every column is converted with the text of its line, which
is the editor's unsaved text when there is one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from lsprotocol import types
from lsprotocol.converters import get_converter

from sigcheck.checking.results import Diagnostic, FileError, Fix, Report, TraceStep
from sigcheck.loading.sources import resolve, source_lines
from sigcheck.report.docs import FILE_ERROR_CODE, rule_url

SOURCE = "sigcheck"
SEVERITIES = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
              "info": types.DiagnosticSeverity.Information}
_CONVERTER = get_converter()


class Texts:
    """The current text of the files a report names, to place columns: an editor's documents
    (`overlays`, resolved path -> text) first, then the file on disk."""

    def __init__(self, overlays: Mapping[Path, str] | None = None,
                 encoding: str = types.PositionEncodingKind.Utf16, uris: Mapping[Path, str] | None = None) -> None:
        self.overlays = overlays or {}
        self.encoding = encoding
        self.uris = uris or {}  # the client's own URI for an open document (it may name it by a symlink)
        self._lines: dict[Path, list[str]] = {}

    def path(self, display: str) -> Path:
        return resolve(Path(os.path.abspath(display)))

    def uri(self, display: str) -> str:
        path = self.path(display)
        return self.uris.get(path) or path.as_uri()

    def lines(self, display: str) -> list[str]:
        path = self.path(display)
        if path not in self._lines:
            text = self.overlays.get(path)
            if text is None:
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except (OSError, ValueError):
                    text = ""
            self._lines[path] = source_lines(text)
        return self._lines[path]

    def position(self, display: str, line: int, column: int) -> types.Position:
        """sigcheck's 1-based line and code-point column as an LSP position."""
        lines = self.lines(display)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return types.Position(line=max(line - 1, 0), character=self.units(text[: max(column - 1, 0)]))

    def line_end(self, display: str, line: int) -> types.Position:
        lines = self.lines(display)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return types.Position(line=max(line - 1, 0), character=self.units(text))

    def units(self, text: str) -> int:
        """The length of `text` in the negotiated position encoding."""
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", errors="surrogatepass"))
        if self.encoding == types.PositionEncodingKind.Utf32:
            return len(text)
        return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def diagnostic(d: Diagnostic, texts: Texts) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=texts.position(d.path, d.line, d.column),
                          end=texts.position(d.path, d.end_line, d.end_column)),
        message=d.message,
        severity=SEVERITIES.get(d.severity, types.DiagnosticSeverity.Error),
        code=d.code,
        code_description=types.CodeDescription(href=rule_url(d.code)),
        source=SOURCE,
        related_information=[_related(step, texts) for step in d.trace] or None,
        # `--format lsp` has no code actions: tools that run the command apply the fix from here.
        data={"name": d.name, "fix": _fix_data(d.fix, texts)} if d.fix else {"name": d.name},
    )


def file_error(error: FileError, texts: Texts) -> types.Diagnostic:
    """A file that could not be analysed, at the place that stopped sigcheck (else its start)."""
    line, column = error.line or 1, error.column or 1
    start = texts.position(error.path, line, column)
    end = texts.line_end(error.path, line) if error.line else start
    return types.Diagnostic(range=_range(start, end), message=error.message, severity=types.DiagnosticSeverity.Error,
                            code=FILE_ERROR_CODE, code_description=types.CodeDescription(href=rule_url(FILE_ERROR_CODE)),
                            source=SOURCE)


def _related(step: TraceStep, texts: Texts) -> types.DiagnosticRelatedInformation:
    # A trace step knows where it starts only, so it spans the rest of its line.
    start = texts.position(step.path, step.line, step.column)
    end = texts.line_end(step.path, step.line)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=texts.uri(step.path), range=_range(start, end)),
        message=step.note or "trace step",
    )


def _range(start: types.Position, line_end: types.Position) -> types.Range:
    """From `start` to the end of its line; empty when the line is shorter (text changed since)."""
    return types.Range(start=start, end=line_end if line_end.character >= start.character else start)


def workspace_edit(fix: Fix, texts: Texts) -> types.WorkspaceEdit:
    changes: dict[str, list[types.TextEdit]] = {}
    for e in fix.edits:
        edit_range = types.Range(start=texts.position(e.path, e.line, e.column),
                                 end=texts.position(e.path, e.end_line, e.end_column))
        changes.setdefault(texts.uri(e.path), []).append(types.TextEdit(range=edit_range, new_text=e.content))
    return types.WorkspaceEdit(changes=changes)


def _fix_data(fix: Fix, texts: Texts) -> dict:
    return {"title": fix.description, "safe": fix.safe, "edit": _CONVERTER.unstructure(workspace_edit(fix, texts))}


def publish_params(report: Report, texts: Texts) -> list[types.PublishDiagnosticsParams]:
    """One PublishDiagnosticsParams per file analysed or failed, empty for a clean file (so a client
    clears what it showed before), in path order."""
    by_file: dict[str, list[types.Diagnostic]] = {path: [] for path in report.files}
    for d in report.diagnostics:
        by_file.setdefault(d.path, []).append(diagnostic(d, texts))
    for e in report.errors:
        by_file.setdefault(e.path, []).append(file_error(e, texts))
    return [types.PublishDiagnosticsParams(uri=texts.uri(path), diagnostics=items)
            for path, items in sorted(by_file.items())]


def render(report: Report) -> str:
    """`sigcheck --format lsp`: a JSON list of PublishDiagnosticsParams, positions in UTF-16 (LSP's default)."""
    return json.dumps(_CONVERTER.unstructure(publish_params(report, Texts())), indent=2)
