"""ruff/rustc-style text: `path:line:col: CODE message`, the source line with carets, the trace."""

from __future__ import annotations

import re
from collections import Counter

import click

from sigcheck.checking.results import Diagnostic, Report
from sigcheck.loading.discovery import NO_ENTRY_POINTS

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\x00-\x08\x0b-\x1f\x7f]")
_COLORS = {"error": "red", "warning": "yellow", "info": "blue"}


def clean(text: str) -> str:
    """Strip terminal escape sequences and control characters that a path or message may carry."""
    return _ESCAPES.sub("", text)


def render(report: Report, color: bool, show_source: bool = True, statistics: bool = False) -> str:
    out: list[str] = []
    for diagnostic in report.diagnostics:
        out.extend(_diagnostic(diagnostic, color, show_source))
    for error in report.errors:
        where = clean(error.path) + (f":{error.line}:{error.column or 1}" if error.line else "")
        out.append(f"{_style(where, color, bold=True)}: {_style('E902', color, fg='red', bold=True)} {clean(error.message)}")
    for note in report.notes:
        out.append(f"{_style(f'{clean(note.path)}:{note.line}:{note.column}:', color, bold=True)} "
                   f"{_style('note', color, fg='cyan', bold=True)}: {clean(note.message)}")
    if report.notes:
        out.append("")
    if statistics:
        out.extend(_statistics(report))
    out.append(_summary(report, color))
    return "\n".join(out)


def _diagnostic(d: Diagnostic, color: bool, show_source: bool) -> list[str]:
    where = f"{clean(d.path)}:{d.line}:{d.column}:"
    code = _style(d.code, color, fg=_COLORS.get(d.severity), bold=True)
    lines = [f"{_style(where, color, bold=True)} {code} {clean(d.message)}"]
    if show_source and d.source_line:
        gutter = " " * len(str(d.line))
        source = clean(d.source_line.expandtabs(4).rstrip())
        width = (d.end_column - d.column) if d.end_line == d.line else len(source) - d.column + 1
        carets = "^" * max(1, min(width, len(source) - d.column + 1))
        lines += [f"{gutter} |", f"{d.line} | {source}", f"{gutter} | {' ' * (d.column - 1)}{_style(carets, color, fg=_COLORS.get(d.severity))}"]
    if d.trace:
        steps = " → ".join(f"{clean(s.note)} ({clean(s.path)}:{s.line})" for s in d.trace)
        lines.append(f"  = trace: {steps}")
    lines.append("")
    return lines


def _statistics(report: Report) -> list[str]:
    counts = Counter((d.code, d.name) for d in report.diagnostics)
    rows = [f"{count:5d}  {code}  {name}" for (code, name), count in counts.most_common()]
    modules = len(report.files) - report.documents
    read = f"; {report.documents} Dockerfiles, scripts and other files read" if report.documents else ""
    rows.append(f"{len(report.files):5d}  files analysed ({modules} Python: {report.parsed} parsed, "
                f"{modules - report.parsed} from the cache{read}), "
                f"{len(report.errors)} could not be, {report.suppressed} findings suppressed")
    rows.append(f"{report.skipped:5d}  Python files skipped: neither an entry point (tests never are) nor imported by one")
    return rows + [""]


def _summary(report: Report, color: bool) -> str:
    found = len(report.diagnostics)
    if found == 0 and not report.errors:
        return _style(f"All checks passed ({len(report.files)} file{'s' if len(report.files) != 1 else ''} analysed).", color, fg="green")
    parts = [f"Found {found} problem{'s' if found != 1 else ''}"]
    empty = sum(1 for error in report.errors if error.message == NO_ENTRY_POINTS)  # folders, not files
    unread = len(report.errors) - empty
    if unread:
        parts.append(f"{unread} file{'s' if unread != 1 else ''} could not be analysed")
    if empty:
        parts.append(f"{empty} folder{'s' if empty != 1 else ''} with no entry point")
    files = len(report.files)
    return ", ".join(parts) + f" ({files} file{'s' if files != 1 else ''} analysed)."


def _style(text: str, color: bool, fg: str | None = None, bold: bool = False) -> str:
    return click.style(text, fg=fg, bold=bold) if color else text
