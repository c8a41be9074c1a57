"""How long a call that waits for as long as its argument says (`time.sleep`) can hold up the
function it is in, counting the loops around it.

A handler that sleeps half a second before a kill, or polls a child every 50 ms until a deadline
it set itself (`while time.monotonic() < deadline`), is bounded; a `while child.poll() is None:
time.sleep(1)` is not, nor is a sleep of a length sigcheck cannot tell.
"""

from __future__ import annotations

import operator

from sigcheck.model import ir
from sigcheck.model.resolve import Resolver
from sigcheck.model.values import ConstV, ExternalV, InstanceV

_DECLARED_NUMBERS = (InstanceV(ExternalV("builtins.int")), InstanceV(ExternalV("builtins.float")))
_ARITHMETIC = {"+": operator.add, "*": operator.mul, "**": operator.pow}
_CLOCKS = frozenset({"time.time", "time.monotonic", "time.perf_counter", "time.time_ns", "time.monotonic_ns",
                     "time.perf_counter_ns"})
_MAX_ROUNDS = 1000  # a literal count above this is no retry loop


class WaitBound:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def longest(self, fn: ir.FunctionInfo, site: ir.CallSite, length: ir.Sym) -> float | None:
        """The longest time the call at `site`, waiting `length` seconds each time it runs, can
        take in all: its length times the rounds of the `for range(n)` loops around it. A loop
        that stops at a deadline on the clock bounds it too. None: no bound is known."""
        rounds: dict[str, tuple[float, float]] = {}  # a range loop's variable -> its smallest and largest value
        total = 1.0
        for loop in _loops_around(fn, site.index):
            if loop.kind == "while":
                if not self._stops_on_the_clock(fn, loop):
                    return None
                continue
            count = self._range_count(loop)
            if count is None:
                return None
            total *= count
            if isinstance(loop.target, ir.Name):
                first = self._smallest(loop.iter.args[0]) if len(loop.iter.args) == 2 else 0.0
                rounds[loop.target.name] = (first, first + max(count - 1, 0))
        each = self._interval(length, rounds)
        return None if each is None else each[1] * total

    def shortest(self, length: ir.Sym) -> float | None:
        """The shortest a single wait of `length` seconds can take at its bound (a timeout every
        value of which is known); None: not known."""
        interval = self._interval(length, {})
        return None if interval is None else interval[0]

    def _stops_on_the_clock(self, fn: ir.FunctionInfo, loop: ir.Loop) -> bool:
        """`while time.monotonic() < deadline:`, or a loop with a test of the clock in its body
        that leaves it (`while live: ... if time.monotonic() >= deadline: break`)."""
        if any(self._is_clock(sym) for sym in loop.test_reads):
            return True
        return loop.exits and any(
            isinstance(e, ir.Branch) and any(self._is_clock(sym) for sym in e.test_reads)
            for e in fn.events[loop.index + 1: loop.body_end])

    def _is_clock(self, sym: ir.Sym) -> bool:
        return any(isinstance(v, ExternalV) and v.qualname in _CLOCKS for v in self.resolver.resolve(sym))

    def _range_count(self, loop: ir.Loop) -> int | None:
        """The rounds of `for _ in range(n)` (or `range(a, b)`), where each bound is known."""
        iterated = loop.iter
        if not (isinstance(iterated, ir.CallOf) and 1 <= len(iterated.args) <= 2 and not iterated.kwargs
                and any(isinstance(v, ExternalV) and v.qualname == "builtins.range"
                        for v in self.resolver.resolve(iterated.func))):
            return None
        bounds = [self._largest(arg) for arg in iterated.args]
        if any(b is None for b in bounds):
            return None
        count = int(bounds[-1] - (self._smallest(iterated.args[0]) if len(bounds) == 2 else 0))
        return count if 0 <= count <= _MAX_ROUNDS else None

    def _interval(self, sym: ir.Sym, rounds: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
        """The smallest and largest value a sum, product or power of non-negative constants and
        range loops' variables can have (`0.05 * (attempt + 1)`, `2 ** attempt`). Each is
        monotonic in both sides over non-negative numbers, so the extremes are at the corners."""
        if isinstance(sym, ir.Name) and sym.name in rounds:
            return rounds[sym.name]
        if isinstance(sym, ir.BinOp) and sym.op in _ARITHMETIC:
            left, right = self._interval(sym.left, rounds), self._interval(sym.right, rounds)
            if left is None or right is None:
                return None
            try:
                corners = [_ARITHMETIC[sym.op](a, b) for a in left for b in right]
            except OverflowError:  # `10 ** 400`: no wait of known length
                return None
            return min(corners), max(corners)
        numbers = self._numbers(sym)
        return (min(numbers), max(numbers)) if numbers else None

    def _largest(self, sym: ir.Sym) -> float | None:
        numbers = self._numbers(sym)
        return max(numbers) if numbers else None

    def _smallest(self, sym: ir.Sym) -> float:
        numbers = self._numbers(sym)
        return min(numbers) if numbers else 0.0

    def _numbers(self, sym: ir.Sym) -> list[float]:
        """Every value the expression can have, when all are non-negative numbers (a parameter
        with its default and what callers pass), else none."""
        # `attempts: int = 3` adds an instance of int beside the numbers the default and callers give
        values = [v for v in self.resolver.resolve(sym) if v not in _DECLARED_NUMBERS]
        numbers = [v.value for v in values if isinstance(v, ConstV)
                   and isinstance(v.value, (int, float)) and not isinstance(v.value, bool) and v.value >= 0]
        return [float(n) for n in numbers] if values and len(numbers) == len(values) else []


def _loops_around(fn: ir.FunctionInfo, index: int) -> list[ir.Loop]:
    return [e for e in fn.events[:index] if isinstance(e, ir.Loop) and e.index < index < e.body_end]
