"""Which calls end the process: an exit the knowledge names (`sys.exit`, `os._exit`), or project
code every run of which exits or raises. StopAnalysis asks it of handlers; WorkFinder of the sides
of an `if` (a diagnostic mode that ends the run before the job's training)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir

if TYPE_CHECKING:
    from sigcheck.knowledge import Knowledge
    from sigcheck.model.callgraph import CallGraph


class ExitFinder:
    def __init__(self, graph: "CallGraph", knowledge: "Knowledge") -> None:
        self.graph = graph
        self.knowledge = knowledge
        self.functions = graph.project.functions
        self._always: dict[str, bool] = {}  # what always_exits found, where no cycle cut it short

    def always_exits(self, func_id: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether every run of the function ends the process or raises: an exit or a raise at its
        top level (under no branch, loop or try) with no return before it, or a call there to
        project functions that all do. Such a handler interrupts whatever the main thread runs."""
        if func_id in seen or func_id not in self.functions:
            return False
        if func_id in self._always:
            return self._always[func_id]
        found = self._always_exits(func_id, seen)
        if found or not seen:  # "no" within a cycle may be the cut's, not the function's
            self._always[func_id] = found
        return found

    def _always_exits(self, func_id: str, seen: frozenset[str]) -> bool:
        nested_until = 0
        for event in self.functions[func_id].events:
            if isinstance(event, ir.Jump) and event.kind == "return":
                return False  # a way out that skips the exit, nested or not
            if event.index < nested_until:
                continue
            if isinstance(event, (ir.Branch, ir.Loop, ir.Try)):
                nested_until = event.end
            elif isinstance(event, ir.Raise) or (isinstance(event, ir.CallSite) and self.call_exits(func_id, event, seen)):
                return True
        return False

    def call_exits(self, func_id: str, site: ir.CallSite, seen: frozenset[str] = frozenset()) -> bool:
        if self.is_exit(func_id, site):
            return True
        called = [t.func_id for t in self.graph.targets(func_id, site)]
        return bool(called) and all(c is not None and self.always_exits(c, seen | {func_id}) for c in called)

    def is_exit(self, func_id: str, site: ir.CallSite) -> bool:
        return any(self.knowledge.exits.find(name) for name in self.graph.qualnames(func_id, site))

    def exiting_sides(self, fn: ir.FunctionInfo, returning: bool = False) -> list[tuple[int, int]]:
        """The event ranges of the sides of the function's `if`s that end the process: an exit, a
        raise, or a call of project code that always exits, at the side's own level; with
        `returning` (a function whose return ends the program), a `return` too (doctr's
        `if args.find_lr: record_lr(...); return` in main)."""
        return [side for e in fn.events if isinstance(e, ir.Branch) and e.guard is None
                for side in ((e.index + 1, e.then_end), (e.then_end, e.end))
                if side[0] < side[1] and self._side_exits(fn, *side, returning)]

    def _side_exits(self, fn: ir.FunctionInfo, start: int, end: int, returning: bool = False) -> bool:
        nested_until = start
        for event in fn.events[start:end]:
            if event.index < nested_until:
                continue
            if isinstance(event, (ir.Branch, ir.Loop, ir.Try)):
                nested_until = event.end
            elif isinstance(event, ir.Jump):
                return returning and event.kind == "return"
            elif isinstance(event, ir.Raise) or (isinstance(event, ir.CallSite) and self.call_exits(fn.id, event)):
                return True
        return False

    def return_ends_the_run(self, func_id: str) -> bool:
        """Whether returning from the function ends the program: it is only ever called as the last
        call of a module's code, or one before exiting (`if __name__ == "__main__": main()`)."""
        edges = list(self.graph.graph.in_edges(func_id, keys=True, data=True))
        return bool(edges) and all(kind == "call" and all(self._called_last(caller, site) for site in (data["site"], *data.get("more", ())))
                                   for caller, _, kind, data in edges)

    def _called_last(self, caller: str, site: int) -> bool:
        fn = self.functions[caller]
        return fn.kind == "module" and all(not isinstance(e, ir.CallSite) or self.call_exits(caller, e) for e in fn.events[site + 1:])
