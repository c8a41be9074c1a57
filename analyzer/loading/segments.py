"""An edited document parsed again by parts: top-level statements whose text is unchanged are taken
over from the document's last parse, and only the changed ones are parsed.

An editor sends the whole text after every change, and parsing it with libcst was most of the
wait for diagnostics. The text is cut into segments, each holding whole top-level statements and
the blank and comment lines before them (CPython's parser, about a sixth of libcst's cost, says
where statements begin and end). A top-level statement parses alike on its own and inside its
module, so the summary built from the segments' statements equals the one built from a parse of
the whole text; a test checks it, spans included. Comment lines between statements may be owned
by another node than in a whole parse (a block's footer, the next statement's leading lines),
which changes neither the summary nor a span.

Spans are worked out per segment (code generation over that segment only, with its lines counted
from the segment's first line) and kept with it: after an edit only the changed segments are
generated again. Anything unusual (a syntax error, text CPython refuses, a node found in no
segment) makes the caller parse the whole text as usual, so errors read the same either way.
"""

from __future__ import annotations

import ast
import re
import warnings
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field

import libcst as cst

from sigcheck.loading.parsing import parse_python
from sigcheck.loading.sources import LoadError, SourceFile
from sigcheck.model.spans import FIELDS, node_spans

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # lines as Python counts them, ends kept
DOCUMENTS = 8  # documents whose segments are kept: an editor's open files (a tree is ~8 KB a line)


class NotInSegments(LookupError):
    """A node of the summary that no top-level statement holds: parse the whole text instead."""


@dataclass(eq=False)
class Segment:
    text: str
    module: cst.Module  # the segment parsed on its own
    ranges: dict[int, tuple[int, ...]] = field(default_factory=dict)  # id(node) -> span, lines from 1 in the segment
    _kept: list = field(default_factory=list)  # the nodes in `ranges`, generated again with any new one


@dataclass
class SegmentedModule:
    module: cst.Module  # every segment's statements, in order: what the summary is built from
    segments: list[Segment]
    offsets: list[int]  # lines before each segment
    segment_of: list[int]  # top-level statement index -> segment index

    def spans(self, nodes: list, tops: list[int]) -> array:
        """FIELDS ints per node, as `node_spans` over the whole text would give them."""
        by_segment: dict[int, list[int]] = {}
        for index, top in enumerate(tops):
            if index == 0:
                continue  # the module itself
            if not 0 <= top < len(self.segment_of):
                raise NotInSegments(index)
            by_segment.setdefault(self.segment_of[top], []).append(index)
        result = array("i", (1, 1, 1, 1)) * len(nodes)
        for number, indices in by_segment.items():
            segment, offset = self.segments[number], self.offsets[number]
            _ensure_ranges(segment, [nodes[i] for i in indices])
            for index in indices:
                line, column, end_line, end_column = segment.ranges[id(nodes[index])]
                result[index * FIELDS:(index + 1) * FIELDS] = array("i", (line + offset, column, end_line + offset, end_column))
        return result


def _ensure_ranges(segment: Segment, nodes: list) -> None:
    """Generate the segment's code again only when it has nodes whose spans were not wanted before."""
    missing = [node for node in nodes if id(node) not in segment.ranges]
    if not missing:
        return
    wanted = segment._kept + missing
    spans = node_spans(segment.module, wanted)
    for number, node in enumerate(wanted):
        segment.ranges[id(node)] = tuple(spans[number * FIELDS:(number + 1) * FIELDS])
    segment._kept = wanted


class IncrementalParser:
    """Keeps each document's segments from its last parse (the last DOCUMENTS documents)."""

    def __init__(self, documents: int = DOCUMENTS) -> None:
        self.documents = documents
        self._last: OrderedDict[str, dict[str, list[Segment]]] = OrderedDict()

    def parse(self, source: SourceFile) -> SegmentedModule | None:
        """The document's module by parts, or None: parse the whole text instead."""
        lines = _LINE.findall(source.text)
        bounds = _segment_lines(source.text, len(lines))
        if bounds is None:
            return None
        earlier = self._last.pop(str(source.path), {})
        kept: dict[str, list[Segment]] = {}
        segments, offsets = [], []
        for first, last in bounds:
            text = "".join(lines[first:last])
            reusable = earlier.get(text)
            segment = reusable.pop() if reusable else _parsed(source, text)
            if segment is None:
                return None
            kept.setdefault(text, []).append(segment)
            segments.append(segment)
            offsets.append(first)
        self._remember(str(source.path), kept)
        return _stitched(segments, offsets)

    def _remember(self, path: str, segments: dict[str, list[Segment]]) -> None:
        self._last[path] = segments
        while len(self._last) > self.documents:
            self._last.popitem(last=False)


def _parsed(source: SourceFile, text: str) -> Segment | None:
    try:
        return Segment(text, parse_python(SourceFile(source.path, source.display, text)))
    except LoadError:  # the whole text parses, so this is unusual: let the whole parse say what it is
        return None


def _stitched(segments: list[Segment], offsets: list[int]) -> SegmentedModule:
    statements, segment_of = [], []
    for number, segment in enumerate(segments):
        statements += segment.module.body
        segment_of += [number] * len(segment.module.body)
    return SegmentedModule(cst.Module(body=statements), segments, offsets, segment_of)


def _segment_lines(text: str, count: int) -> list[tuple[int, int]] | None:
    """(first, end) line indices (from 0, end exclusive) of each segment: a segment ends with the
    last line of a top-level statement (statements sharing a line stay together), and the last
    one runs to the end of the text. None when CPython does not parse the text."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    ends: list[int] = []
    for statement in tree.body:
        start = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        end = statement.end_lineno or statement.lineno
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            ends.append(end)
    bounds, first = [], 0
    for end in ends:
        bounds.append((first, end))
        first = end
    if bounds:
        bounds[-1] = (bounds[-1][0], count)
    else:
        bounds = [(0, count)]
    return bounds
