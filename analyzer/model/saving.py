"""Does stopping save? The three ways a SIGTERM handler reaches artifact-saving code:
directly, through a stop flag the training code checks, or through an exception that unwinds
to a `finally`, a matching `except`, a context manager's `__exit__` or (at exit) atexit."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Collection

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import HANDLER_WORK, CallGraph
from sigcheck.model.flags import FlagKey, Flags
from sigcheck.model.trace import Point
from sigcheck.model.unwinding import ExceptionUnwinding, short_name
from sigcheck.model.plain_data import is_plain_data
from sigcheck.model.work import WorkFinder

SAVE_KINDS = HANDLER_WORK  # atexit is left out: it does not run when SIGTERM kills the process


@dataclass(frozen=True)
class Proof:
    how: str  # "directly", "through a stop flag", "through a library's stop flag", "through SystemExit"
    trace: tuple[Point, ...]

    @property
    def unwinds(self) -> bool:
        """Whether the save is reached by an exception the handler raises."""
        return self.how not in _WITHOUT_RAISING


_SAVE_WORDS = re.compile(r"save|checkpoint|ckpt", re.IGNORECASE)  # a call named so may be one
_WITHOUT_RAISING = frozenset({"directly", "through a stop flag", "through a library's stop flag"})


class SaveAnalysis(ExceptionUnwinding):
    def __init__(self, graph: CallGraph, knowledge: Knowledge, work: WorkFinder, flags: Flags) -> None:
        self.graph = graph
        self.knowledge = knowledge
        self.work = work
        self.flags = flags
        self.functions = graph.project.functions
        self.direct_saves = lru_cache(maxsize=None)(self._direct_saves)  # this instance's (see Flags)

    # -- saving calls ---------------------------------------------------------------------

    def _direct_saves(self, func_id: str, plain_files: bool = True, periodic: bool = False) -> tuple[ir.CallSite, ...]:
        fn = self.functions[func_id]
        return tuple(e for e in fn.events if isinstance(e, ir.CallSite) and self.is_save(func_id, e, plain_files, periodic))

    def is_save(self, func_id: str, site: ir.CallSite, plain_files: bool = True, periodic: bool = False) -> bool:
        """A saving call; with `plain_files`, also a file opened for writing; with `periodic`, also
        one that saves only at some of its calls (PeriodicCheckpointer.step, every `period` steps),
        which a handler cannot count on."""
        names = self.graph.qualnames(func_id, site)
        if any(self.knowledge.recomputes.find(n) for n in names):
            return False  # activation checkpointing: `torch.utils.checkpoint.checkpoint(block, x)`
        if any((periodic or not e.option("periodic")) and _given(site, e.option("when-keyword"))
               for n in names for e in self.knowledge.saves.find(n)):
            return True
        if self.knowledge.configured(self.knowledge.saves, self.graph.qualnames(func_id, site, project=True)):
            return True
        return plain_files and "builtins.open" in names and _write_mode(site)

    def reach_save(self, sources: list[str], plain_files: bool = True, periodic: bool = False) -> tuple[Point, ...] | None:
        """A trace from one of `sources` to a saving call, or None. Without `plain_files`, a file
        opened for writing is no save (see _atexit_saves); with `periodic`, a call that saves once
        a period is one (is_save)."""
        parents = self.graph.reach(sources, SAVE_KINDS)
        for func_id in parents:
            saves = self.direct_saves(func_id, plain_files, periodic)
            if saves:
                steps = self.graph.path(parents, func_id)
                trace = [Point(s.caller, self.functions[s.caller].events[s.site].node, f"calls {self._name(s.callee)}") for s in steps]
                trace.append(Point(func_id, saves[0].node, "saves here"))
                return tuple(trace)
        return None

    def checkpoints_in(self, func_id: str, start: int, end: int, every_pass: bool = True) -> bool:
        """Whether the events in [start, end) write a checkpoint (`checkpoint = true` in the
        knowledge: torch.save, save_pretrained, save_state...), themselves or through the project
        functions they call: not a metrics file. With `every_pass`, on every pass: not under an
        `if` that holds no `%` (`if epoch == last:`, a final save; `if step % 500 == 0:` is a
        period); without, at some pass (`if loss < best:` too)."""
        fn = self.functions[func_id]
        if self._within_a_saving_session(fn, start, end):
            return True
        for event in fn.events[start:end]:
            if not isinstance(event, ir.CallSite) or (every_pass and self._unperiodic(fn, event, start)):
                continue
            if self._checkpoints(func_id, event):
                return True
            callees = self._runs(func_id, event)
            if any(self._checkpoints(f, e) for f in self.graph.reach(callees, SAVE_KINDS)
                   for e in self.functions[f].events if isinstance(e, ir.CallSite)):
                return True
        return False

    def _within_a_saving_session(self, fn: ir.FunctionInfo, start: int, end: int) -> bool:
        """Whether the events run in a `with` whose object checkpoints while its body runs: a
        MonitoredTrainingSession given a checkpoint_dir (its CheckpointSaverHook)."""
        for with_ in (e for e in fn.events[:start] if isinstance(e, ir.With) and e.end >= end):
            made = [item.func for item in with_.items if isinstance(item, ir.CallOf)]
            sites = [e for e in fn.events[:with_.index] if isinstance(e, ir.CallSite) and e.func in made]
            if made and any(self._checkpoints(fn.id, site) for site in sites[-len(made):]):
                return True
        return False

    def may_save_in(self, func_id: str, start: int, end: int) -> bool:
        """Whether the events in [start, end) may save at some pass: a checkpoint save, any other
        saving call or file opened for writing (`f.write(flax.serialization.to_bytes(params))`,
        cleanrl's JAX agents), or a call named as one whose callee sigcheck cannot see
        (`self.checkpointer.save(step)`, torchtitan's, made by a factory). That the run saves
        nothing there is said only where nothing may."""
        if self.checkpoints_in(func_id, start, end, every_pass=False):
            return True
        sites = [(func_id, e) for e in self.functions[func_id].events[start:end] if isinstance(e, ir.CallSite)]
        callees = [f for _, site in sites for f in self._runs(func_id, site)]
        sites += [(f, e) for f in self.graph.reach(callees, SAVE_KINDS) for e in self.functions[f].events
                  if isinstance(e, ir.CallSite)]
        return any(not self._writes_plain_data(f, site) if self.is_save(f, site) else self._named_as_a_save(f, site)
                   for f, site in sites)

    def _runs(self, func_id: str, site: ir.CallSite) -> list[str]:
        """The project functions a call runs: its targets, and those it hands a library that runs
        them at once or on a thread of the process (`pool.apply_async(save_checkpoint, ...)`,
        big_vision's trainers)."""
        return [*(t.func_id for t in self.graph.targets(func_id, site) if t.func_id), *self.graph.run_now(func_id, site),
                *(started for started, _ in self.graph.started(func_id, site))]

    def _named_as_a_save(self, func_id: str, site: ir.CallSite) -> bool:
        """A call named as a save whose callee sigcheck cannot see, and is no activation checkpointing."""
        return bool(_SAVE_WORDS.search(_called_name(site))) and not any(t.func_id for t in self.graph.targets(func_id, site)) \
            and not any(self.knowledge.recomputes.find(n) for n in self.graph.qualnames(func_id, site))

    def _save_on_an_unknown_object(self, func_id: str, site: ir.CallSite) -> bool:
        """A method named as a save called on an object sigcheck knows nothing of: it may be one
        (a checkpointer a configuration builds), so a response that makes it is not said to save nothing."""
        names = self.graph.qualnames(func_id, site)
        return bool(names) and all(n.startswith("?.") for n in names) and self._named_as_a_save(func_id, site)

    def _checkpoints(self, func_id: str, site: ir.CallSite) -> bool:
        """A checkpoint save, unless what it writes is plain data (a dict of metric lists)."""
        entries = self._checkpoint_entries(func_id, site)
        return bool(entries) and not self._writes_plain_data(func_id, site, entries)

    def _checkpoint_entries(self, func_id: str, site: ir.CallSite) -> list:
        return [e for n in self.graph.qualnames(func_id, site) for e in self.knowledge.saves.find(n)
                if e.option("checkpoint") and _given(site, e.option("when-keyword"))]

    def _writes_plain_data(self, func_id: str, site: ir.CallSite, entries: list | None = None) -> bool:
        """`torch.save(history, "stat.pt")` where `history` is numbers, or lists and dicts of them: a
        metrics file (DeepSpeedExamples' ViT fine-tuning), which keeps none of the training."""
        entries = self._checkpoint_entries(func_id, site) if entries is None else entries
        position = entries[0].option("object-arg") if entries else None
        return position is not None and position < len(site.args) \
            and is_plain_data(self.graph.resolver, self.functions[func_id], site.args[position])

    @staticmethod
    def _unperiodic(fn: ir.FunctionInfo, site: ir.CallSite, start: int) -> bool:
        """Inside an `if` of the loop whose test takes no remainder: it may hold once (the last
        epoch) or never, where `step % every == 0` holds once a period."""
        return any(isinstance(b, ir.Branch) and b.index < site.index < b.end and not b.periodic
                   for b in fn.events[start:site.index])

    def range_save(self, func_id: str, start: int, end: int) -> tuple[Point, ...] | None:
        fn = self.functions[func_id]
        for event in fn.events[start:end]:
            if not isinstance(event, ir.CallSite):
                continue
            if self.is_save(func_id, event):
                return (Point(func_id, event.node, "saves here"),)
            if self._save_on_an_unknown_object(func_id, event):  # speechbrain's `self.checkpointer`, built from YAML
                return (Point(func_id, event.node, f"calls {_called_name(event)}() on an object sigcheck cannot resolve"),)
            callees = [t.func_id for t in self.graph.targets(func_id, event) if t.func_id]
            if callees:
                inner = self.reach_save(callees)
                if inner:
                    return (Point(func_id, event.node, "calls " + self._name(callees[0])),) + inner
        return None

    def after_return(self, func_id: str, main: set[str], depth: int = 0) -> tuple[Point, ...] | None:
        """A save that runs after `func_id` returns to a caller on the main path."""
        if depth > 4:
            return None
        for step in self.graph.callers(func_id):
            if step.caller not in main:
                continue
            caller = self.functions[step.caller]
            found = self.range_save(step.caller, step.site + 1, len(caller.events))
            if found is None:
                found = self.after_return(step.caller, main, depth + 1)
            if found:
                return (Point(step.caller, caller.events[step.site].node, f"returns from {self._name(func_id)}"),) + found
        return None

    # -- the three proofs -----------------------------------------------------------------

    def prove(self, handler_ids: list[str], main: set[str]) -> Proof | None:
        direct = self.reach_save(handler_ids)
        if direct:
            return Proof("directly", direct)
        for flag, point in self.flags_set(handler_ids):
            response = self.flag_response(flag, main)
            if response:
                return Proof("through a stop flag", (point,) + response)
        library_stop = self.library_stop(handler_ids, main)
        if library_stop:
            return Proof("through a library's stop flag", library_stop)
        for raised in self.raised(handler_ids):
            unwound = self.unwinds_to_save(raised.exception, main)
            if unwound:
                return Proof(f"through {short_name(raised.exception)}", (raised.point,) + unwound)
        return None

    def library_stop(self, handler_ids: list[str], main: set[str]) -> tuple[Point, ...] | None:
        """The handler sets a stop attribute a library polls: its fit call returns, and the code
        after that call saves."""
        for func_id in self.graph.reach(handler_ids, frozenset({"call"})):
            asked = self.asks_library_to_stop(func_id, 0, len(self.functions[func_id].events))
            if asked is not None:
                returned = self._after_library_loop(main)
                if returned:
                    return (asked, *returned)
        return None

    def asks_library_to_save(self, func_id: str, branch: ir.Branch) -> tuple[Point, ...] | None:
        """Where a callback's branch asks the library whose loop runs it to save (`control.should_save = True`)."""
        for event in self.functions[func_id].events[branch.index + 1: branch.end]:
            if isinstance(event, ir.Assign) and isinstance(event.target, ir.Attr) \
                    and self.knowledge.save_attributes.find(event.target.attr) \
                    and not (isinstance(event.value, ir.Const) and not event.value.value):
                return (Point(func_id, event.node, "asks the library to save a checkpoint"),)
        return None

    def flags_set_in(self, func_id: str, branch: ir.Branch) -> list[tuple[FlagKey, Point]]:
        """The flags a branch sets (not plain locals)."""
        return [(key, Point(func_id, event.node, "sets a flag of its own")) for key, event, _ in self.flags.written(func_id)
                if branch.index < event.index < branch.end]

    def asks_library_to_stop(self, func_id: str, start: int, end: int) -> Point | None:
        """Where the function, between these events, sets a stop attribute a library polls."""
        for _, event, on_library in self.flags.written(func_id):
            if on_library and start <= event.index < end:
                return Point(func_id, event.node, "asks the library to stop")
        return None

    def _after_library_loop(self, main: set[str]) -> tuple[Point, ...] | None:
        """A fit call of the run whose return is followed by a save."""
        for caller in sorted(main):
            fn = self.functions[caller]
            for call in fn.events:
                if self.work.is_fit_call(caller, call):
                    found = self.range_save(caller, call.index + 1, len(fn.events)) or self.after_return(caller, main) \
                        or self._saved_by_the_library(caller, call)
                    if found:
                        return (Point(caller, call.node, "the library's loop returns"), *found)
        return None

    def _saved_by_the_library(self, func_id: str, call: ir.CallSite) -> tuple[Point, ...] | None:
        """A fit whose library saves when it is asked to stop (an Estimator's CheckpointSaverHook)."""
        names = self.work.call_names(func_id, call)
        if any(e.option("saves-when-stopped") for n in names for e in self.knowledge.fits.find(n)):
            return (Point(func_id, call.node, "which saves a last checkpoint as it stops"),)
        return None

    def flags_set(self, handler_ids: list[str]) -> list[tuple[FlagKey, Point]]:
        found = []
        for func_id in self.graph.reach(handler_ids, frozenset({"call"})):
            for key, event, _ in self.flags.written(func_id):
                found.append((key, Point(func_id, event.node, "sets the stop flag")))
        return found

    def checks(self, flag: FlagKey, main: Collection[str]):
        """Branches and while-loops on the main path whose test looks at `flag`."""
        for func_id, event in self._checks(flag):
            if func_id in main:
                yield func_id, event

    def _checks(self, flag: FlagKey) -> list[tuple[str, ir.Event]]:
        """Every test of `flag` in the project, in function order: indexed once for all flags,
        then filtered by what an entry point runs (listing that per entry point or per flag is
        what does not scale)."""
        return self.flags.tests_by_flag().get(flag, [])

    def flag_response(self, flag: FlagKey, main: set[str]) -> tuple[Point, ...] | None:
        for func_id, event in self.checks(flag, main):
            found = self.response(func_id, event, main, flag=flag)
            if found:
                return (Point(func_id, event.node, "the loop checks the flag"),) + found
        return None

    def response(self, func_id: str, event: ir.Branch | ir.Loop | ir.Jump, main: set[str], depth: int = 0,
                 flag: FlagKey | None = None) -> tuple[Point, ...] | None:
        """What saves when the test holds: in the branch, or on the way out it takes; or where
        the branch sets a flag of its own that another test answers (`self.pending = True`, then
        in a later callback `if self.pending:`)."""
        fn = self.functions[func_id]
        if isinstance(event, ir.Loop):
            return self.range_save(func_id, event.end, len(fn.events)) or self.after_return(func_id, main)
        if isinstance(event, ir.Jump):  # a callback's answer to its library's loop (see Flags.returned_to_loop)
            returned = self._after_library_loop(main)
            return (Point(func_id, event.node, "returns it to the library's loop, which stops"), *returned) if returned else None
        found = self.range_save(func_id, event.index + 1, event.end) or self.asks_library_to_save(func_id, event)
        if found:
            return found
        for flag, point in self.flags_set_in(func_id, event) if depth < 2 else ():
            for checker, check in self.checks(flag, main):
                answered = self.response(checker, check, main, depth + 1)
                if answered:
                    return (point, Point(checker, check.node, "checks that flag"), *answered)
        # a callback the library's loop runs tests the flag and asks the library to stop
        # (`control.should_training_stop = True`): the fit call returns, and what follows it saves
        asked = self.asks_library_to_stop(func_id, event.index + 1, event.end)
        if asked is not None and (returned := self._after_library_loop(main)):
            return (asked, *returned)
        for inner in fn.events[event.index + 1: event.end]:
            if isinstance(inner, ir.Jump) and inner.kind == "break":
                loop = _enclosing_loop(fn, event.index)
                if loop is not None:
                    return self._on_the_way_out(func_id, loop.end, main, flag) or self._saved_each_pass(func_id, loop, event.index)
            if isinstance(inner, ir.Jump) and inner.kind == "return":
                return self.after_return(func_id, main)
            if isinstance(inner, ir.Raise):
                return self.unwinds_to_save(self._exception_of(func_id, inner), main)
        return None

    def _on_the_way_out(self, func_id: str, start: int, main: set[str], flag: FlagKey | None) -> tuple[Point, ...] | None:
        """What saves after a loop the flag's test left: the rest of the function, or after it
        returns; where a later test of the same flag leaves too (`if STOP: break` around the inner
        loop, wenet's epochs; triage DG), only what runs on the way that test takes."""
        fn = self.functions[func_id]
        for event in fn.events[start:]:
            if flag is not None and isinstance(event, ir.Branch) and self.flags.test_checks(func_id, event, flag):
                jump = next((e for e in fn.events[event.index + 1: event.then_end] if isinstance(e, ir.Jump)
                             and e.kind in ("break", "return") and _enclosing_loop(fn, e.index) is _enclosing_loop(fn, event.index)), None)
                if jump is not None:
                    saved = self.range_save(func_id, start, jump.index)  # before the test, and in its branch before the jump
                    if saved or jump.kind == "return":
                        return saved or self.after_return(func_id, main)
                    outer = _enclosing_loop(fn, event.index)
                    return self._on_the_way_out(func_id, outer.end, main, flag) if outer is not None else None
        return self.range_save(func_id, start, len(fn.events)) or self.after_return(func_id, main)

    def _saved_each_pass(self, func_id: str, loop: ir.Loop, test: int) -> tuple[Point, ...] | None:
        """A save the loop's body makes on every pass before the test that leaves it: the pass in
        progress when the flag is set saves, then the test ends the loop (rlkit's `_end_epoch`
        saves, then `if stop: break`; triage DE). Not one under a condition of its own."""
        fn = self.functions[func_id]
        body = fn.events[loop.index + 1: test]
        conditional = [range(e.index + 1, e.end) for e in body if isinstance(e, (ir.Branch, ir.Loop))]
        for event in body:
            if isinstance(event, ir.CallSite) and not any(event.index in r for r in conditional):
                found = self.range_save(func_id, event.index, event.index + 1)
                if found:
                    return (*found[:-1], replace(found[-1], note="saves here on every pass, before the test"))
        return None

    def _name(self, func_id: str) -> str:
        fn = self.functions[func_id]
        return "lambda" if fn.kind == "lambda" else fn.qualname


def _enclosing_loop(fn: ir.FunctionInfo, index: int) -> ir.Loop | None:
    best = None
    for event in fn.events[:index]:
        if isinstance(event, ir.Loop) and event.index < index < event.body_end:
            best = event
    return best


def _write_mode(site: ir.CallSite) -> bool:
    """Opened to write a file anew or in place; not to append to it: a log line or a metrics row
    (`open(logfile, "a")` in a handler that says it is stopping) keeps none of the training."""
    mode = site.args[1] if len(site.args) > 1 else dict(site.kwargs).get("mode")
    return isinstance(mode, ir.Const) and isinstance(mode.value, str) and "a" not in mode.value \
        and any(c in mode.value for c in "wx+")


def _called_name(site: ir.CallSite) -> str:
    return site.func.attr if isinstance(site.func, ir.Attr) else site.func.name if isinstance(site.func, ir.Name) else ""


def _given(site: ir.CallSite, keyword: str | None) -> bool:
    """Whether the call is given the keyword, as something other than None (no keyword asked: yes)."""
    value = dict(site.kwargs).get(keyword) if keyword else None
    return keyword is None or (value is not None and not (isinstance(value, ir.Const) and value.value is None))
