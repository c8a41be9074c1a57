"""A place in the analysed files with a note: the unit of every diagnostic's anchor and trace.

A point in Python code names the function and libcst node (positions are computed only when the
point is reported). A point in another file (a Dockerfile, an entry script) names the document
and carries its span, since those parsers give positions as they go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Point:
    func_id: str | None = None  # the Python function whose module holds `node`
    node: Any = None  # libcst node; None means the function's own definition
    note: str = ""
    document: str | None = None  # a non-Python file: its key in ProjectModel.documents
    span: tuple[int, int, int, int] | None = None  # (line, column, end_line, end_column), 1-based

    @classmethod
    def in_document(cls, document: str, span: tuple[int, int, int, int], note: str = "") -> "Point":
        return cls(note=note, document=document, span=span)
