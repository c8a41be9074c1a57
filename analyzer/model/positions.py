"""Line and column of what ends up in a report, read from the spans a summary carries: computed
while its tree was alive (see spans.py), or, for a summary made without them, from its text
again the first time a report needs a place in that module."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sigcheck.loading.sources import SourceFile, source_lines
from sigcheck.model.ir import ModuleSummary, NodeId
from sigcheck.model.project import ProjectModel


@dataclass(frozen=True, order=True)
class Span:
    line: int
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive


class Positions:
    def __init__(self, project: ProjectModel) -> None:
        self.project = project

    def span(self, module: str, node: NodeId | None) -> Span:
        if node is None:
            return Span(1, 1, 1, 1)
        return Span(*self._summary(module).span(node))

    def quote_of(self, module: str, node: NodeId) -> str:
        """The quote a string literal is written with (`'` for `r'/opt/ml'`), so that text put in its
        place may use it too: inside an f-string's braces the other quote ends the f-string before
        Python 3.12."""
        span = self.span(module, node)
        lines = source_lines(self.project.sources[module].text)
        written = lines[span.line - 1][span.column - 1:].lstrip("rRbBuUfF") if span.line <= len(lines) else ""
        return "'" if written.startswith("'") else '"'

    def first_code_line(self, module: str) -> int:
        """The line where an import can go: after the docstring and `from __future__` imports."""
        summary = self._summary(module)
        if summary.first_code_node is None:
            return len(source_lines(self.project.sources[module].text)) + 1
        return summary.span(summary.first_code_node)[0]

    def prepare(self, modules: Iterable[str], jobs: int) -> None:
        """Work out now, in `jobs` processes, the spans a report is about to read in `modules`."""
        from sigcheck.loading.summaries import Job, Summariser

        missing = sorted(m for m in set(modules) if not self.project.modules[m].has_spans)
        if jobs < 2 or len(missing) < 2:
            return  # read when asked for
        summaries = [self.project.modules[m] for m in missing]
        summariser = Summariser(jobs, spans=True)
        try:
            done = summariser.run([Job(Path(s.path), s.display, s.name, s.is_package, self.project.sources[s.name].text)
                                   for s in summaries])
        finally:
            summariser.close()
        for summary, again in zip(summaries, done):
            if isinstance(again, ModuleSummary):  # an error here leaves it to be read when asked for
                summary.spans = again.spans

    def _summary(self, module: str) -> ModuleSummary:
        summary = self.project.modules[module]
        if not summary.has_spans:
            summary.spans = _spans_again(summary, self.project.sources[module])
        return summary

    def line_text(self, module: str, line: int) -> str:
        lines = source_lines(self.project.sources[module].text)
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _spans_again(summary: ModuleSummary, source: SourceFile):
    """The spans of a summary made without them: the same text parsed and summarised again
    numbers its nodes the same way."""
    from sigcheck.loading.summaries import Job, summarise

    again = summarise(Job(Path(summary.path), summary.display, summary.name, summary.is_package, source.text, spans=True))
    if isinstance(again, ModuleSummary):
        return again.spans
    return array("i", (1, 1, 1, 1))  # it was summarised once: only a changed interpreter limit gets here
