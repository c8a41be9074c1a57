"""What can run: the functions a run reaches from its roots (the module bodies), found while the
argument flow settles (argflow.py). Code that never runs passes no arguments and is not walked:
in a package where every module is an entry point, most methods are never called at import, and
the flow and the call graph over them were two thirds of the whole-program time.

A function is reached when a reached one calls it (with the overrides `self.step()` dispatches
to, as the call graph has them), hands it to a call (a callback, a thread's target, a signal
handler), loops over an instance of its class (`__iter__`, `__next__`), enters one (`with`:
`__enter__`) or raises its class. That
is more than the call graph's edges: an object handed to any library has all its methods
reached. What the call graph reaches besides (a command-line runner's default function, a Ray
actor's method) is taken in by the caller, which settles the flow again with it (Analysis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph

if TYPE_CHECKING:
    from sigcheck.knowledge import Knowledge
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

Spans = dict[str, range]  # function id -> the numbers of its call sites (argflow._call_sites)


class Reacher:
    def __init__(self, project: "ProjectModel", resolver: "Resolver", knowledge: "Knowledge") -> None:
        self.project = project
        self.knowledge = knowledge
        self._probe = _Probe(project, resolver, knowledge)
        self.reached: dict[str, None] = {}  # in the order reached
        self._others: list[tuple[ir.FunctionInfo, ir.Event]] = []  # the other events of the reached functions
        self._other_reads: list[frozenset] = []  # the parameters each one's edges read

    def start(self, roots: Iterable[str], spans: Spans) -> list[int]:
        """The call sites of the roots, and of what the roots' other events reach, to resolve."""
        return self._enter(roots, spans)

    def reach(self, fn: ir.FunctionInfo, site: ir.CallSite, spans: Spans) -> list[int]:
        """The call sites of the functions first reached through `site`. Called while the site's
        own reads are tracked: a change in what it read redoes it, and this with it."""
        return self._enter(self._probe.run_by(fn, site), spans)

    def again(self, resolver: "Resolver", changed: set, spans: Spans) -> list[int]:
        """With `resolver`: what the other events whose edges read a parameter in
        `changed` reach now that was not reached before."""
        self.follow(resolver)
        found: list[int] = []
        for number, keys in enumerate(self._other_reads):
            if keys and not keys.isdisjoint(changed):
                found += self._enter(self._tracked(number), spans)
        return found

    def follow(self, resolver: "Resolver") -> None:
        """Read what call sites reach with the next round's resolver."""
        self._probe = _Probe(self.project, resolver, self.knowledge)

    def _enter(self, func_ids: Iterable[str], spans: Spans) -> list[int]:
        numbers: list[int] = []
        queue = list(func_ids)
        for func_id in queue:  # grows: a loop's `__iter__` is reached with the function looping
            fn = self.project.functions.get(func_id)
            if fn is None or func_id in self.reached:
                continue
            self.reached[func_id] = None
            numbers.extend(spans[func_id])
            for event in fn.events:
                if isinstance(event, (ir.Loop, ir.Raise, ir.With)):
                    self._others.append((fn, event))
                    self._other_reads.append(frozenset())
                    queue.extend(self._tracked(len(self._others) - 1))
        return numbers

    def _tracked(self, number: int) -> list[str]:
        resolver = self._probe.resolver
        resolver.begin_tracking()
        try:
            return self._probe.run_by(*self._others[number])
        finally:
            self._other_reads[number] = resolver.end_tracking()


class _Probe(CallGraph):
    """The call graph's own reading of one event, with the flow as it stands: the callees of the
    edges it would add, kept in no graph."""

    def __init__(self, project: "ProjectModel", resolver: "Resolver", knowledge: "Knowledge") -> None:
        super().__init__(project, resolver, knowledge, roots=())
        self._found: list[str] = []

    def run_by(self, fn: ir.FunctionInfo, event: ir.Event) -> list[str]:
        self._found = []
        self._add_event(fn, event)
        return self._found

    def _edge(self, caller: str, callee: str, kind: str, site: int, passers: frozenset[str] | None = None) -> None:
        self._found.append(callee)

    def _edge_through(self, caller: str, callee: str, kind: str, site: int, flowing: frozenset | None) -> None:
        self._found.append(callee)


_REGISTRARS = frozenset({"signal", "add_signal_handler"})


def run_roots(project: "ProjectModel") -> list[str]:
    """Where runs start: every module body (an entry point's, or one it imports or starts as a
    script), and every function that may register a signal handler, called or not: the rules
    judge each registration and its handler, wherever it is written."""
    roots = [summary.body_id for summary in project.modules.values()]
    roots += [fn.id for fn in project.functions.values() if fn.kind != "module" and any(
        isinstance(event, ir.CallSite) and _called_name(event.func) in _REGISTRARS for event in fn.events)]
    return roots


def _called_name(func: ir.Sym) -> str | None:
    if isinstance(func, ir.Name):
        return func.name
    return func.attr if isinstance(func, ir.Attr) else None
