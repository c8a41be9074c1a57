"""Line and column of the nodes that end up in a report, computed only for those modules.

libcst's PositionProvider walks the whole module once; sigcheck asks for it only for modules
with something to report, so a clean file never pays for positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from sigcheck.loading.sources import source_lines
from sigcheck.model.project import ProjectModel

_HEADER_ONLY = (cst.For, cst.While, cst.If, cst.Try, cst.TryStar, cst.With, cst.FunctionDef, cst.ClassDef, cst.Match)


@dataclass(frozen=True, order=True)
class Span:
    line: int
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive


class Positions:
    def __init__(self, project: ProjectModel) -> None:
        self.project = project
        self._maps: dict[str, object] = {}

    def span(self, module: str, node) -> Span:
        tree = self.project.trees[module]
        if node is None or node is tree:
            return Span(1, 1, 1, 1)
        mapping = self._maps.get(module)
        if mapping is None:
            mapping = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
            self._maps[module] = mapping
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            node_range = mapping[node.name]
            return Span(node_range.start.line, node_range.start.column + 1, node_range.end.line, node_range.end.column + 1)
        node_range = mapping.get(node)
        if node_range is None:
            return Span(1, 1, 1, 1)
        start, end = node_range.start, node_range.end
        if isinstance(node, _HEADER_ONLY) and end.line > start.line:
            line_text = self.line_text(module, start.line)
            return Span(start.line, start.column + 1, start.line, len(line_text.rstrip()) + 1)
        return Span(start.line, start.column + 1, end.line, end.column + 1)

    def first_code_line(self, module: str) -> int:
        """The line where an import can go: after the docstring and `from __future__` imports."""
        tree = self.project.trees[module]
        for statement in tree.body:
            if isinstance(statement, cst.SimpleStatementLine) and statement.body:
                small = statement.body[0]
                if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
                    continue
                if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__":
                    continue
            return self.span(module, statement).line
        return len(source_lines(self.project.sources[module].text)) + 1

    def line_text(self, module: str, line: int) -> str:
        lines = source_lines(self.project.sources[module].text)
        return lines[line - 1] if 0 < line <= len(lines) else ""
