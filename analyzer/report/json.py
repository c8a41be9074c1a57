"""The JSON contract other tools and the tests rely on (see README, "JSON output")."""

from __future__ import annotations

import json

from sigcheck import __version__
from sigcheck.checking.results import Diagnostic, Report


def as_dict(report: Report) -> dict:
    return {
        "version": __version__,
        "diagnostics": [_diagnostic(d) for d in report.diagnostics],
        "errors": [{"path": e.path, "message": e.message, "line": e.line, "column": e.column} for e in report.errors],
        "files": report.files,
        "notes": [{"path": n.path, "line": n.line, "column": n.column, "message": n.message} for n in report.notes],
        "platform": {"name": report.platform[0], "deadline": report.platform[1], "named": report.platform[2]},
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False)


def _diagnostic(d: Diagnostic) -> dict:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "message": d.message,
        "trace": [{"path": s.path, "line": s.line, "column": s.column, "note": s.note} for s in d.trace],
        "also_run_from": list(d.also_run_from),
        "fix": None if d.fix is None else {
            "description": d.fix.description,
            "applicability": "safe" if d.fix.safe else "unsafe",
            "edits": [{"path": e.path, "line": e.line, "column": e.column, "end_line": e.end_line,
                       "end_column": e.end_column, "content": e.content} for e in d.fix.edits],
        },
    }
