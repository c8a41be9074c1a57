"""The third way a SIGTERM handler reaches a save: it raises (`sys.exit` raises SystemExit), and
the exception unwinds to a `finally`, a matching `except` or a context manager's `__exit__`
around the training that saves, or, caught by nobody, ends the interpreter so that atexit runs.
SaveAnalysis (saving.py) takes these questions on; they ask it for its saves in return."""

from __future__ import annotations

from dataclasses import dataclass

from sigcheck.model import ir
from sigcheck.model.trace import Point
from sigcheck.model.values import ClassV, ExternalV, InstanceV


@dataclass(frozen=True)
class Raised:
    exception: str | None  # qualified name, None when unknown
    point: Point


class ExceptionUnwinding:
    """Where a raised exception goes, for SaveAnalysis: its graph, functions, knowledge, work,
    range_save and reach_save are SaveAnalysis's."""

    def raised(self, handler_ids: list[str]) -> list[Raised]:
        found = []
        for func_id in self.graph.reach(handler_ids, frozenset({"call"})):
            for event in self.functions[func_id].events:
                if isinstance(event, ir.Raise):
                    found.append(Raised(self._exception_of(func_id, event), Point(func_id, event.node, "raises")))
                elif isinstance(event, ir.CallSite):
                    for name in self.graph.qualnames(func_id, event):
                        for entry in self.knowledge.exits.find(name):
                            if entry.option("effect") == "raise":
                                exception = entry.option("raises")
                                found.append(Raised(exception, Point(func_id, event.node, f"raises {short_name(exception)}")))
        return found

    def _exception_of(self, func_id: str, event: ir.Raise) -> str | None:
        if event.exc is None:
            return None
        for value in self.graph.resolver.resolve(event.exc):
            base = value.of if isinstance(value, InstanceV) else value
            if isinstance(base, (ClassV, ExternalV)):
                return self.graph.resolver.qualname(base) if isinstance(base, ExternalV) else "project:" + base.class_id
        return None

    def unwinds_to_save(self, exception: str | None, main: set[str]) -> tuple[Point, ...] | None:
        for func_id in sorted(main):
            fn = self.functions[func_id]
            for event in fn.events:
                if isinstance(event, ir.Try) and self._covers_work(func_id, event.index + 1, event.body_end):
                    found = self._try_saves(func_id, event, exception)
                    if found:
                        return found
                if isinstance(event, ir.With) and self._covers_work(func_id, event.index + 1, event.end):
                    found = self._exit_saves(func_id, event)
                    if found:
                        return found
        return self._fit_catches(exception, main) or self._atexit_saves(main)

    def _fit_catches(self, exception: str | None, main: set[str]) -> tuple[Point, ...] | None:
        """A library's fit the run makes that catches the exception and saves a checkpoint
        (knowledge: `saves-on-raise`; coqui's Trainer.fit on KeyboardInterrupt)."""
        family = self._exception_family(exception) if exception else set()
        for func_id in sorted(main):
            for event in self.functions[func_id].events:
                if not isinstance(event, ir.CallSite):
                    continue
                for name in self.graph.qualnames(func_id, event):
                    caught = [e for e in self.knowledge.fits.find(name) if family & set(e.option("saves-on-raise", ()))]
                    if caught:
                        return (Point(func_id, event.node, f"{name.rsplit('.', 2)[-2]}.fit catches "
                                                           f"{short_name(exception)} and saves a checkpoint"),)
        return None

    def _covers_work(self, func_id: str, start: int, end: int) -> bool:
        fn = self.functions[func_id]
        for event in fn.events[start:end]:
            if self.work.work_kind(func_id, event):
                return True
            if isinstance(event, ir.CallSite) and any(t.func_id in self.work.stepping for t in self.graph.targets(func_id, event) if t.func_id):
                return True
        return False

    def _try_saves(self, func_id: str, event: ir.Try, exception: str | None) -> tuple[Point, ...] | None:
        found = self.range_save(func_id, *event.final)
        if found:
            return (Point(func_id, event.node, "unwinds to this try's finally"),) + found
        for clause in event.clauses:
            if self.matches(exception, clause.types):
                found = self.range_save(func_id, clause.start, clause.end)
                if found:
                    return (Point(func_id, event.node, "caught by this try's except"),) + found
        return None

    def _exit_saves(self, func_id: str, event: ir.With) -> tuple[Point, ...] | None:
        for sym in event.items:
            for value in self.graph.resolver.resolve(sym):
                if isinstance(value, InstanceV) and isinstance(value.of, ClassV):
                    exits = [t.func_id for t in self.graph.method_targets(value.of.class_id, "__exit__", 1) if t.func_id]
                    found = self.reach_save(exits) if exits else None
                    if found:
                        return (Point(func_id, event.node, "unwinds through this with block's __exit__"),) + found
        return None

    def _atexit_saves(self, main: set[str]) -> tuple[Point, ...] | None:
        """An exception nobody catches ends the interpreter normally, and atexit functions run.
        Those that only write a file of their own are cleanup (a trace or log flushed at exit,
        Megatron's router tracer), not a checkpoint: the save must be a saving call."""
        for func_id in sorted(main):
            for step in self.graph.graph.out_edges(func_id, keys=True, data="site"):
                caller, callee, kind, site = step
                if kind == "atexit":
                    found = self.reach_save([callee], plain_files=False)
                    if found:
                        node = self.functions[caller].events[site].node
                        return (Point(caller, node, "the exception ends the interpreter normally, so atexit runs"),) + found
        return None

    def matches(self, exception: str | None, types: tuple[ir.Sym, ...]) -> bool:
        if not types or exception is None:
            return True  # a bare except catches everything; an unknown exception may match anything
        names = set()
        for sym in types:
            for value in self.graph.resolver.resolve(sym):
                if isinstance(value, ClassV):
                    names.add("project:" + value.class_id)
                elif isinstance(value, ExternalV):
                    names.add(value.qualname)
                else:
                    return True
        return bool(names & self._exception_family(exception))

    def _exception_family(self, exception: str) -> set[str]:
        family = {exception, "builtins.BaseException"}
        if exception.startswith("project:"):
            for base in self.graph.resolver.mro(exception[len("project:"):]):
                family.add("project:" + base.class_id if isinstance(base, ClassV) else base.qualname)
                if isinstance(base, ExternalV):
                    family |= self._exception_family(base.qualname)
        elif exception not in ("builtins.SystemExit", "builtins.KeyboardInterrupt", "builtins.GeneratorExit"):
            family.add("builtins.Exception")
        return family


def short_name(exception: str | None) -> str:
    if exception is None:
        return "an exception"
    return exception.split(":")[-1].rsplit(".", 1)[-1]
