"""Line and column of what ends up in a report, read from the spans each summary carries
(computed while its tree was alive: see spans.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sigcheck.loading.sources import source_lines
from sigcheck.model.ir import NodeId
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
        return Span(*self.project.modules[module].span(node))

    def first_code_line(self, module: str) -> int:
        """The line where an import can go: after the docstring and `from __future__` imports."""
        found = self.project.modules[module].first_code_line
        if found is None:
            return len(source_lines(self.project.sources[module].text)) + 1
        return found

    def line_text(self, module: str, line: int) -> str:
        lines = source_lines(self.project.sources[module].text)
        return lines[line - 1] if 0 < line <= len(lines) else ""
