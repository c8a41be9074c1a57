"""A place in the analysed code with a note: the unit of every diagnostic's trace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Point:
    func_id: str  # the function whose module holds `node`
    node: Any = None  # libcst node; None means the function's own definition
    note: str = ""
