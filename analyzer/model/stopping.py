"""Does a handler stop the job? Either it ends the process or unwinds the main thread itself, or
it sets a stop flag that a loop on the main path checks and leaves (break, return, raise, exit)."""

from __future__ import annotations

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph
from sigcheck.model.exits import ExitFinder
from sigcheck.model.saving import Proof, SaveAnalysis
from sigcheck.model.trace import Point


class StopAnalysis(ExitFinder):
    def __init__(self, graph: CallGraph, knowledge: Knowledge, saves: SaveAnalysis) -> None:
        super().__init__(graph, knowledge)
        self.saves = saves

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
                if self.leaves(func_id, check, main):
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

    def leaves(self, func_id: str, check: ir.Branch | ir.Loop, main: set[str] | None = None, depth: int = 0) -> bool:
        """A while-loop on the flag ends; a branch on it must break, return, raise or exit, ask
        the library whose loop runs it to stop (a callback's `control.should_training_stop = True`),
        or set a flag of its own that a test on the main path leaves on (`self.pending = True`,
        then in the callback the library runs after its save, `if self.pending:`)."""
        if isinstance(check, (ir.Loop, ir.Jump)):  # a Jump: a callback returns the flag to its library's loop
            return True
        if self.saves.asks_library_to_stop(func_id, check.index + 1, check.end) is not None:
            return True
        if main is not None and depth < 2 and any(
                self.leaves(checker, later, main, depth + 1)
                for flag, _ in self.saves.flags_set_in(func_id, check) for checker, later in self.saves.checks(flag, main)):
            return True
        for event in self.functions[func_id].events[check.index + 1: check.end]:
            if isinstance(event, ir.Raise) or (isinstance(event, ir.Jump) and event.kind in ("break", "return")):
                return True
            if isinstance(event, ir.CallSite) and self.is_exit(func_id, event):
                return True
        return False
