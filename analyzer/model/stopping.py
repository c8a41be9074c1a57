"""Does a handler stop the job? Either it ends the process or unwinds the main thread itself, or
it sets a stop flag that a loop on the main path checks and leaves (break, return, raise, exit)."""

from __future__ import annotations

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph
from sigcheck.model.saving import Proof, SaveAnalysis
from sigcheck.model.trace import Point


class StopAnalysis:
    def __init__(self, graph: CallGraph, knowledge: Knowledge, saves: SaveAnalysis) -> None:
        self.graph = graph
        self.knowledge = knowledge
        self.saves = saves
        self.functions = graph.project.functions

    def stops(self, handler_ids: list[str], main: set[str]) -> Proof | None:
        exit_point = self.exits(handler_ids)
        if exit_point is not None:
            return Proof("exits", (exit_point,))
        for func_id in self.graph.reach(handler_ids, frozenset({"call"})):
            for _, event, on_library in self.saves.flags.written(func_id):
                if on_library:
                    return Proof("sets a flag the library polls", (Point(func_id, event.node, "sets a library's stop flag"),))
        for flag, point in self.saves.flags_set(handler_ids):
            for func_id, check in self.saves.checks(flag, main):
                if self.leaves(func_id, check):
                    return Proof("through a stop flag", (point, Point(func_id, check.node, "the loop checks the flag")))
        return None

    def exits(self, handler_ids: list[str]) -> Point | None:
        for func_id in self.graph.reach(handler_ids, frozenset({"call"})):
            for event in self.functions[func_id].events:
                if isinstance(event, ir.Raise):
                    return Point(func_id, event.node, "raises")
                if isinstance(event, ir.CallSite) and self.is_exit(func_id, event):
                    return Point(func_id, event.node, "exits")
        return None

    def always_exits(self, func_id: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether every run of the function ends the process or raises: an exit or a raise at its
        top level (under no branch, loop or try) with no return before it, or a call there to
        project functions that all do. Such a handler interrupts whatever the main thread runs."""
        if func_id in seen or func_id not in self.functions:
            return False
        nested_until = 0
        for event in self.functions[func_id].events:
            if isinstance(event, ir.Jump) and event.kind == "return":
                return False  # a way out that skips the exit, nested or not
            if event.index < nested_until:
                continue
            if isinstance(event, (ir.Branch, ir.Loop, ir.Try)):
                nested_until = event.end
            elif isinstance(event, ir.Raise) or (isinstance(event, ir.CallSite) and self._call_exits(func_id, event, seen)):
                return True
        return False

    def _call_exits(self, func_id: str, site: ir.CallSite, seen: frozenset[str]) -> bool:
        if self.is_exit(func_id, site):
            return True
        called = [t.func_id for t in self.graph.targets(func_id, site)]
        return bool(called) and all(c is not None and self.always_exits(c, seen | {func_id}) for c in called)

    def is_exit(self, func_id: str, site: ir.CallSite) -> bool:
        return any(self.knowledge.exits.find(name) for name in self.graph.qualnames(func_id, site))

    def leaves(self, func_id: str, check: ir.Branch | ir.Loop) -> bool:
        """A while-loop on the flag ends; a branch on it must break, return, raise or exit, or ask
        the library whose loop runs it to stop (a callback's `control.should_training_stop = True`)."""
        if isinstance(check, ir.Loop):
            return True
        if self.saves.asks_library_to_stop(func_id, check.index + 1, check.end) is not None:
            return True
        for event in self.functions[func_id].events[check.index + 1: check.end]:
            if isinstance(event, ir.Raise) or (isinstance(event, ir.Jump) and event.kind in ("break", "return")):
                return True
            if isinstance(event, ir.CallSite) and self.is_exit(func_id, event):
                return True
        return False
