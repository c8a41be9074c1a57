"""Where the long-running training work is, and the order in which an entry point reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from typing import Iterator


from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD, CallGraph, Step


@dataclass(frozen=True)
class Work:
    """A training loop or a library fit call, reached from an entry point through `path`."""

    func_id: str
    event: ir.Event  # a Loop or a CallSite
    path: tuple[Step, ...]
    what: str  # "training loop" | "fit call" | "data loop"


class WorkFinder:
    def __init__(self, graph: CallGraph, knowledge: Knowledge) -> None:
        self.graph = graph
        self.knowledge = knowledge
        self.functions = graph.project.functions

    @cached_property
    def stepping(self) -> frozenset[str]:
        """Functions that perform a training step themselves or through a call on this thread."""
        direct = {f.id for f in self.functions.values() if any(self._is_step(f.id, e) for e in f.events)}
        return frozenset(self.graph.reaching(direct, MAIN_THREAD))

    def _is_step(self, func_id: str, event: ir.Event) -> bool:
        return isinstance(event, ir.CallSite) and any(
            self.knowledge.steps.find(name) or self.knowledge.fits.find(name)
            for name in self.graph.qualnames(func_id, event))

    def is_fit_call(self, func_id: str, event: ir.Event) -> bool:
        return isinstance(event, ir.CallSite) and any(self.knowledge.fits.find(n) for n in self.graph.qualnames(func_id, event))

    def loop_kind(self, func_id: str, loop: ir.Loop) -> str | None:
        """"training loop" when the body reaches a step, "data loop" when it iterates a loader."""
        fn = self.functions[func_id]
        for event in fn.events[loop.index + 1: loop.body_end]:
            if self._is_step(func_id, event):
                return "training loop"
            if isinstance(event, ir.CallSite) and any(t.func_id in self.stepping for t in self.graph.targets(func_id, event) if t.func_id):
                return "training loop"
        if loop.iter is not None and self._iterates_data(loop.iter):
            return "data loop"
        return None

    def _iterates_data(self, sym: ir.Sym) -> bool:
        for name in _names_in(sym):
            if any(fnmatchcase(name, p) for entry in self.knowledge.data for p in entry.patterns):
                return True
        return False

    def in_order(self, start: str, within: frozenset[str] | None = None,
                 limit: int = 20000) -> Iterator[tuple[tuple[Step, ...], str, ir.Event]]:
        """Events in the order a run of `start` meets them, entering project calls and imported
        module bodies depth first (each function once): the order that decides whether a
        handler is registered in time. With `within`, only those functions are entered: the
        ones that lead to the events asked about, whose relative order stays the same."""
        seen: set[str] = set()
        budget = [limit]

        def walk(func_id: str, path: tuple[Step, ...]):
            if func_id in seen or budget[0] <= 0 or (within is not None and func_id not in within and path):
                return
            seen.add(func_id)
            for event in self.functions[func_id].events:
                budget[0] -= 1
                yield path, func_id, event
                if isinstance(event, ir.CallSite):
                    for target in self.graph.targets(func_id, event):
                        if target.func_id:
                            yield from walk(target.func_id, path + (Step(func_id, event.index, target.func_id, "call"),))
                elif isinstance(event, ir.Import):  # importing a project module runs its body here
                    for body_id in self.graph.imported_bodies(self.functions[func_id].module, event):
                        yield from walk(body_id, path + (Step(func_id, event.index, body_id, "import"),))
        yield from walk(start, ())

    @lru_cache(maxsize=32)  # one entry point's rules ask in a row; all of them at once would not fit
    def order(self, start: str, within: frozenset[str] | None = None) -> dict[tuple[str, int], int]:
        """Position of each (function, event index) in the run of `start` (see `in_order`)."""
        return {(func_id, event.index): position
                for position, (_, func_id, event) in enumerate(self.in_order(start, within))}

    def work_kind(self, func_id: str, event: ir.Event) -> str | None:
        if isinstance(event, ir.Loop):
            return self.loop_kind(func_id, event)
        if self.is_fit_call(func_id, event):
            return "fit call"
        return None


def _names_in(sym: ir.Sym) -> list[str]:
    if isinstance(sym, ir.Name):
        return [sym.name]
    if isinstance(sym, ir.Attr):
        return [sym.attr, *_names_in(sym.base)]
    if isinstance(sym, ir.CallOf):
        return [*_names_in(sym.func), *(n for a in sym.args for n in _names_in(a))]
    return []
