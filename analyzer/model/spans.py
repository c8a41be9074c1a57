"""Line and column of the nodes a summary refers to, computed once while the tree is alive.

libcst's PositionProvider records a range for every node and updates line and column on every
token: about 1.6 times the cost of the parse itself. sigcheck needs the ranges of the few
thousand nodes its summary keeps (events, literals, definitions), so it runs libcst's own code
generation with a state that only counts tokens, notes token indices for those nodes, and turns
the indices into lines and columns at the end: the same ranges (syntactic, as PositionProvider
gives them) for about a quarter of the cost.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from contextlib import contextmanager
from itertools import accumulate

import libcst as cst
from libcst._nodes.internal import CodegenState

# Multi-line statements are shown by their first line: the header is where the problem is.
_HEADER_ONLY = (cst.For, cst.While, cst.If, cst.Try, cst.TryStar, cst.With, cst.Match)
_NEWLINE = re.compile(r"\r\n?|\n")
FIELDS = 4  # line, column (1-based), end line, end column (1-based, exclusive) per node


class _Recorder(CodegenState):
    """Code generation that remembers token indices for wanted nodes only."""

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.ranges: dict[int, tuple[int, int]] = {}
        self._starts: list[int] = []

    def before_codegen(self, node) -> None:
        self._starts.append(len(self.tokens))

    def after_codegen(self, node) -> None:
        start = self._starts.pop()
        key = id(node)
        if key in self.wanted and key not in self.ranges:  # a syntactic range recorded first wins
            self.ranges[key] = (start, len(self.tokens))

    @contextmanager
    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        key = id(node)
        if key not in self.wanted:
            yield
            return
        for hoisted in (start_node, end_node):  # their ranges are needed for this one's
            if hoisted is not None:
                self.wanted.add(id(hoisted))
        start = len(self.tokens)
        try:
            yield
        finally:
            end = len(self.tokens)
            if start_node is not None and id(start_node) in self.ranges:
                start = self.ranges[id(start_node)][0]
            if end_node is not None and id(end_node) in self.ranges:
                end = self.ranges[id(end_node)][1]
            self.ranges[key] = (start, end)


def node_spans(module: cst.Module, nodes: list) -> array:
    """FIELDS ints per node of `nodes` (a function or class stands for its name); the module
    itself, or a node the code generation never met, is (1, 1, 1, 1)."""
    targets = [node.name if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else node for node in nodes]
    recorder = _Recorder(module, {id(node) for node in targets})
    module._codegen(recorder)
    tokens = recorder.tokens
    offsets = list(accumulate(map(len, tokens), initial=0))
    code = "".join(tokens)
    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(code))]
    result = array("i")
    for node, target in zip(nodes, targets):
        found = recorder.ranges.get(id(target)) if node is not module else None
        if found is None:
            result.extend((1, 1, 1, 1))
            continue
        start = offsets[min(found[0], len(offsets) - 1)]
        end = offsets[min(found[1], len(offsets) - 1)]
        line, column = _place(line_starts, start)
        end_line, end_column = _place(line_starts, end)
        if isinstance(node, _HEADER_ONLY) and end_line > line:
            first = code[line_starts[line - 1]:line_starts[line] if line < len(line_starts) else len(code)]
            end_line, end_column = line, len(first.rstrip()) + 1
        result.extend((line, column, end_line, end_column))
    return result


def _place(line_starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect_right(line_starts, offset)
    return line, offset - line_starts[line - 1] + 1
