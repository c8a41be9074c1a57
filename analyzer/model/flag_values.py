"""What a value a test looks at was computed from, and when: an assignment made afresh before each
time the test asks, or a copy taken once (flags.py asks)."""

from __future__ import annotations

from typing import Iterator

from sigcheck.model import ir
from sigcheck.model.symbols import walk


def fresh_for(loops: list[ir.Loop], assigned: int, test: ir.Branch | ir.Loop) -> bool:
    """Whether an assignment runs again before each evaluation of `test`: it comes before an
    if's test, inside a while loop's body, and inside every loop the test is in (`loops`: the
    function's)."""
    if isinstance(test, ir.Loop):
        if not test.index < assigned < test.body_end:
            return False
    elif assigned >= test.test_start:
        return False
    return all(loop.index < assigned < loop.body_end for loop in loops if loop.index < test.index < loop.body_end)


def built_from(sym: ir.Sym) -> Iterator[ir.Sym]:
    """What a value is computed from, and what the tests of its `a if test else b` look at."""
    for part in walk(sym):
        yield part
        if isinstance(part, ir.OneOf):
            for read in part.test_reads:
                yield from walk(read)
