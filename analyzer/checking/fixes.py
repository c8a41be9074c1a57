"""Applying fixes: edits from the diagnostics, merged per file, checked to parse before writing."""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from sigcheck.checking.results import Report


@dataclass(frozen=True)
class FixedFile:
    path: str
    before: str
    after: str
    applied: int  # diagnostics whose fix went in

    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


def fixable(report: Report, unsafe: bool) -> list:
    return [d for d in report.diagnostics if d.fix is not None and (d.fix.safe or unsafe)]


def plan_fixes(report: Report, unsafe: bool) -> list[FixedFile]:
    """The new text of every file with fixes. Overlapping fixes wait for the next run; a file whose
    fixed text would not parse is left alone."""
    by_path: dict[str, list] = {}
    for diagnostic in fixable(report, unsafe):
        by_path.setdefault(diagnostic.fix.edits[0].path, []).append(diagnostic)
    planned = []
    for path, diagnostics in sorted(by_path.items()):
        before = Path(path).read_text(encoding="utf-8")
        after, applied = _apply(before, diagnostics)
        if applied and _parses(path, before, after):
            planned.append(FixedFile(path, before, after, applied))
    return planned


def write_fixes(planned: list[FixedFile]) -> int:
    for fixed in planned:
        Path(fixed.path).write_text(fixed.after, encoding="utf-8")
    return sum(f.applied for f in planned)


def _apply(text: str, diagnostics) -> tuple[str, int]:
    starts = _line_starts(text)
    taken: list[tuple[int, int]] = []
    chosen: dict[tuple[int, int, str], None] = {}
    applied = 0
    for diagnostic in diagnostics:
        spans = [(_offset(starts, e.line, e.column), _offset(starts, e.end_line, e.end_column), e.content) for e in diagnostic.fix.edits]
        new = [s for s in spans if s not in chosen]
        if any(_overlaps(s, t) for s in new for t in taken if s[:2] != t):
            continue
        for span in new:
            chosen[span] = None
            taken.append(span[:2])
        applied += 1
    for start, end, content in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _offset(starts: list[int], line: int, column: int) -> int:
    return starts[min(line, len(starts)) - 1] + column - 1


def _parses(path: str, before: str, after: str) -> bool:
    """Whether the fixed file still parses: with libcst, and with the running Python where the
    file did before (libcst reads Python 3.12's f-strings, which an older Python rejects)."""
    if not path.endswith(".py"):
        return True
    return _reads(cst.parse_module, after) and (_reads(ast.parse, after) or not _reads(ast.parse, before))


def _reads(parse, text: str) -> bool:
    try:
        parse(text)
        return True
    except Exception:
        return False

