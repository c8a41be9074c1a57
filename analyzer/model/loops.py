"""Whether a loop can end: a test that is always true, and the exits in its body."""

from __future__ import annotations

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.literal_values import literal


def always_true(test) -> bool:
    """`while True:` or `while 1:`: a loop that ends only by an exit in its body."""
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return literal(test) not in (0, None)
    return False


def body_exits(events, start: int, end: int) -> bool:
    """A break, return or raise that leaves this loop (not one of a nested loop)."""
    index = start
    while index < end:
        event = events[index]
        if isinstance(event, ir.Loop):
            index = max(event.end, index + 1)
            continue
        if isinstance(event, ir.Raise) or (isinstance(event, ir.Jump) and event.kind in ("break", "return")):
            return True
        if isinstance(event, ir.CallSite) and _names_exit(event.func):
            return True
        index += 1
    return False


def _names_exit(func: ir.Sym) -> bool:
    return (isinstance(func, ir.Attr) and func.attr in ("exit", "_exit") and isinstance(func.base, ir.Name)
            and func.base.name in ("sys", "os")) or (isinstance(func, ir.Name) and func.name in ("exit", "quit"))
