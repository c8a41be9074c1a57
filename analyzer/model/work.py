"""Where the long-running training work is, and the order in which an entry point reaches it."""

from __future__ import annotations

import re

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterator


from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import IN_PROCESS, MAIN_THREAD, CallGraph, Step
from sigcheck.model.exits import ExitFinder
from sigcheck.model.first_work import FirstWorkSearch, Found
from sigcheck.model.gradients import uses_gradient
from sigcheck.model.graph_steps import runs_an_update
from sigcheck.model.jax_updates import updates_by_hand
from sigcheck.model.receivers import ReceiverOrigins
from sigcheck.model.steps import (built_with_a_step, given_an_action, leaves_loop_after, named_as_no_optimizer, probes_on_noise,
                                  restores_state_after, runs_a_few_rounds, steps_loop_target, steps_one_made_in_it)
from sigcheck.model.values import FunctionV


# A library's names for what steps an optimizer: its optimizers' own, and AMP's scaler, handed one
_OPTIMIZER_LIKE = re.compile(r"optim|scaler", re.IGNORECASE)


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
        self._first_memo: dict[bool, dict[str, tuple | None]] = {False: {}, True: {}}  # see FirstWorkSearch, by `threads`
        self._benchmarks: dict[str, list[tuple[int, int]]] = {}  # see benchmark_branches
        self._exits: dict[str, list[tuple[int, int]]] = {}  # see exit_branches
        self._exiting = ExitFinder(graph, knowledge)
        self._receivers = ReceiverOrigins(graph.project, graph.resolver)
        self._applying: dict[str, bool] = {}  # see _applies_gradients
        self._using: dict[str, bool] = {}
        # One entry point's rules ask in a row; all of them at once would not fit. The cache is
        # this instance's: a class-level one would keep old analyses alive in the language server.
        self.order = lru_cache(maxsize=32)(self._order)

    @cached_property
    def _stepping_directly(self) -> set[str]:
        """Of the functions the graph holds: one no run reaches steps in no run."""
        built = self.graph.built
        return {f.id for f in self.functions.values() if f.id in built and any(self._is_step(f.id, e) for e in f.events)}

    @cached_property
    def stepping(self) -> frozenset[str]:
        """Functions that perform a training step themselves, through a call on this thread, or
        on a thread they start: a SIGTERM ends the whole process, whichever thread trains."""
        return frozenset(self.graph.reaching(self._stepping_directly, MAIN_THREAD | IN_PROCESS))

    @cached_property
    def training_anywhere(self) -> frozenset[str]:
        """Functions whose run trains, in this process or in the processes it starts: a Ray actor
        that runs `fit` on each actor of a worker group (OpenRLHF's PPO driver) trains in them."""
        return frozenset(self.graph.reaching(self._stepping_directly, MAIN_THREAD | IN_PROCESS | frozenset({"process"})))

    @cached_property
    def cyclic(self) -> frozenset[str]:
        """Functions in a cycle of calls and imports within `stepping` (see FirstWorkSearch)."""
        import networkx as nx

        view = nx.subgraph_view(self.graph.graph, filter_node=self.stepping.__contains__,
                                filter_edge=lambda caller, callee, kind: kind in ("call", "import"))
        return frozenset(f for component in nx.strongly_connected_components(view) if len(component) > 1
                         for f in component)

    @cached_property
    def calling_a_step(self) -> frozenset[str]:
        """Functions whose own calls lead to a training step. A loop is a training loop only
        through these: a path through a function handed to a library, an object's callbacks or
        an import may run a step, but in a large package such paths reach one from loops that
        only format text."""
        return frozenset(self.graph.reaching(self._stepping_directly, frozenset({"call"})))

    def _is_step(self, func_id: str, event: ir.Event) -> bool:
        entries = self._step_entries(func_id, event)
        return bool(entries) and (not self._needs_update(func_id, event, entries) or self._applies_gradients(func_id))

    def _needs_update(self, func_id: str, event: ir.Event, entries: list) -> bool:
        """Whether the call trains only beside a use of gradients: a backward pass; or the `step`
        of a library's object no name says is an optimizer, handed something to step on
        (l2cs' `pipeline.step(frame)`, one frame of gaze inference: efficientvit's demo, triage CT)."""
        if all(e.option("needs-update") for e in entries):
            return True
        site = event if isinstance(event, ir.CallSite) else None
        if site is None or not site.args or not isinstance(site.func, ir.Attr) or site.func.attr != "step" \
                or isinstance(site.args[0], ir.FuncRef):
            return False
        names = self.call_names(func_id, site)
        return bool(names) and all(not n.startswith("?.") and not _OPTIMIZER_LIKE.search(n) for n in names)

    def _step_entries(self, func_id: str, event: ir.Event) -> list:
        """The knowledge entries (steps, fits) that make a call one step of training."""
        if not isinstance(event, ir.CallSite):
            return []
        names = self.call_names(func_id, event)
        if names and self._an_episodes_step(func_id, event, names):
            return []
        return [e for name in names for e in (*self.knowledge.steps.find(name), *self._fits(func_id, event, name))
                if not e.option("fetches") or runs_an_update(self.graph.resolver, event, e.option("fetches"))]

    def _an_episodes_step(self, func_id: str, site: ir.CallSite, names: list[str]) -> bool:
        """Whether the call steps a scheduler or an environment, by how its receiver is named or
        made: always where what it calls is unknown, and for a `.step` of a library sigcheck has
        no knowledge of (`env = Simulator(); env.step(action)`), unless the name says optimizer."""
        unknown = all(n.startswith("?.") for n in names)
        if not unknown and not all(n.endswith(".step") and "optim" not in n.lower() for n in names):
            return False
        if given_an_action(self.functions[func_id], site):
            return True
        return all(named_as_no_optimizer(called) or self._receivers.made_as_an_env(called)
                   for called in self._spelled_as(func_id, site.func))

    def _fits(self, func_id: str, site: ir.CallSite, name: str) -> list:
        """The fit entries a call's name matches; one that trains only with a step it was handed
        (`trains-with`: Ignite's Engine) where its object was built so."""
        return [e for e in self.knowledge.fits.find(name) if not e.option("trains-with") or built_with_a_step(
            self.functions, self.functions[func_id], site, e.option("trains-with"), self._hands_a_step, self._project_called,
            tuple(e.option("attached-by", ())))]

    def _project_called(self, func: ir.Sym) -> list[str]:
        return [v.func_id for v in self.graph.resolver.resolve(func) if isinstance(v, FunctionV) and v.func_id in self.functions]

    def _hands_a_step(self, sym: ir.Sym) -> bool:
        """A project function that takes a training step, itself or through the functions it
        calls (`def update(engine, batch): return train_step(model, optimizer, batch)`, Ignite's).
        Steps only, not fits: a fit's own test asks this."""
        return any(isinstance(v, FunctionV) and v.func_id in self.functions
                   and any(self._steps_itself(f) for f in self.graph.reach([v.func_id], MAIN_THREAD))
                   for v in self.graph.resolver.resolve(sym))

    def _steps_itself(self, func_id: str) -> bool:
        fn = self.functions.get(func_id)
        return fn is not None and any(
            isinstance(e, ir.CallSite) and (entries := [s for n in self.call_names(func_id, e) for s in self.knowledge.steps.find(n)])
            and (not all(s.option("needs-update") for s in entries) or self._applies_gradients(func_id)) for e in fn.events)

    def _spelled_as(self, func_id: str, func: ir.Sym) -> tuple[ir.Sym, ...]:
        """How the called thing is written: for a parameter called (`func(*args)`), as every
        caller passes it (`self._run_in_executor(env.step, action)`: an environment's step)."""
        fn = self.functions.get(func_id)
        bindings = fn.bindings.get(func.name, ()) if fn is not None and isinstance(func, ir.Name) else ()
        if len(bindings) == 1 and isinstance(bindings[0].value, ir.Param):
            param = bindings[0].value
            return self.graph.resolver.flow.get((param.func_id, param.index), ()) or (func,)
        return (func,)

    def _applies_gradients(self, func_id: str) -> bool:
        """Whether `func_id` or a function it calls uses gradients: an optimizer step, an update
        by hand (`w -= lr * w.grad`, see gradients.py) or a call the knowledge lists as a
        gradient use (clipping, `zero_grad`). A backward pass trains only then: a
        loop that times forward and backward passes computes gradients it drops.
        A caller's own optimizer step makes the caller's loop a training loop anyway."""
        found = self._applying.get(func_id)
        if found is None:
            reached = self.graph.reach([func_id], frozenset({"call"}))
            found = self._applying[func_id] = any(self._uses_gradients(f) for f in reached)
        return found

    def _uses_gradients(self, func_id: str) -> bool:
        found = self._using.get(func_id)
        if found is None:
            events = self.functions[func_id].events if func_id in self.functions else ()
            found = self._using[func_id] = any(
                uses_gradient(event) or self._uses_gradients_in(func_id, event) for event in events) \
                or (func_id in self.functions and updates_by_hand(self.functions[func_id]))
        return found

    def is_fit_call(self, func_id: str, event: ir.Event) -> bool:
        return isinstance(event, ir.CallSite) and any(self._fits(func_id, event, n) for n in self.call_names(func_id, event))

    def call_names(self, func_id: str, site: ir.CallSite) -> list[str]:
        """The call's library names, without the unknown ones (`?.fit`) when a known one or a project
        function is there: `clf = clf.fit(X, y)` makes `clf` also stand for an unknown value, but it
        is the classifier whose `fit` is called."""
        names = self.graph.qualnames(func_id, site)
        known = [n for n in names if not n.startswith("?.")]
        if known or not names:
            return known
        # nor where a project method is called: `trainer = trainer_cls(args); trainer.fit()` with the
        # class from a registry (CogVideo's) is the project's Trainer.fit, not some library's fit
        return [] if any(t.func_id for t in self.graph.targets(func_id, site)) else names

    def _uses_gradients_in(self, func_id: str, event: ir.Event) -> bool:
        entries = self._step_entries(func_id, event)
        if entries and not self._needs_update(func_id, event, entries):
            return True
        return isinstance(event, ir.CallSite) and any(
            self.knowledge.gradient_uses.find(n) for n in self.call_names(func_id, event))

    def loop_kind(self, func_id: str, loop: ir.Loop, runs: Callable[[str], bool] | None = None) -> str | None:
        """"training loop" when the body reaches a step (not a few rounds of steps written out, a few
        on noise, a warm-up undone: steps.py), "data loop" when it iterates a loader. With `runs`
        (see first_work), a step through a call that holds only for other passers does not count."""
        fn = self.functions[func_id]
        few = runs_a_few_rounds(fn, loop) or (self._self_check(func_id, loop) and probes_on_noise(
            fn, loop, lambda site: self._makes_noise(func_id, site))) or self._drops_gradients(func_id, loop) \
            or restores_state_after(fn, loop)
        for event in fn.events[loop.index + 1: loop.body_end]:
            if self._is_step(func_id, event) and not steps_loop_target(loop, event) \
                    and not steps_one_made_in_it(fn, loop, event) and not few:
                return "training loop"
            if isinstance(event, ir.CallSite) and not leaves_loop_after(fn, loop, event) \
                    and any(c in self.calling_a_step for c in self._callees(func_id, event)):
                if runs is None or self._first_step(func_id, [event], (), {func_id}, runs) is not None:
                    return "training loop"
        if loop.iter is not None and self.iterates_data(loop.iter):
            return "data loop"
        return None

    def _drops_gradients(self, func_id: str, loop: ir.Loop) -> bool:
        """A loop whose backward passes only have their gradients zeroed: no step, update or call
        that makes one in its body, and a `zero_grad` there. Jasper's and QuartzNet's memory
        pre-allocation runs backward on each input size before the training loop: nothing trains."""
        body = self.functions[func_id].events[loop.index + 1: loop.body_end]
        events = [e for e in body if isinstance(e, ir.CallSite)]
        # asked of every loop a run meets: the written names first, resolving nothing
        written = {e.func.attr for e in events if isinstance(e.func, ir.Attr)}
        if "zero_grad" not in written or "step" in written \
                or any(uses_gradient(e) for e in body):  # `p -= lr * p.grad` before the zeroing: an update by hand
            return False  # an optimizer's step on an object sigcheck cannot resolve (nanochat's) still steps
        return not any(self.takes_update(func_id, e) or any(c in self.calling_a_step for c in self._callees(func_id, e))
                       for e in events)

    def takes_update(self, func_id: str, event: ir.Event) -> bool:
        """Whether the call is one that updates the model by itself (`optimizer.step()`, optax's
        apply_updates), not a backward pass that trains only with such an update."""
        return any(not entry.option("needs-update") for entry in self._step_entries(func_id, event))

    def _self_check(self, func_id: str, loop: ir.Loop) -> bool:
        """Whether the loop is in the main block of a module other modules of the project import:
        a module's check of itself (kohya-ss' model modules), not the program a job runs. A script
        of a few steps on noise, run as itself, is somebody's first try at training, or a test's."""
        module = self.functions[func_id].module
        return loop.index in self.graph.main_block(func_id) and any(
            kind == "import" and self.functions[caller].module != module
            for caller, _, kind in self.graph.graph.in_edges(func_id, keys=True))

    def _makes_noise(self, func_id: str, site: ir.CallSite) -> bool:
        return any(self.knowledge.random_inputs.find(name) for name in self.call_names(func_id, site))

    def step_in(self, func_id: str, loop: ir.Loop,
                runs: Callable[[str], bool] | None = None) -> tuple[tuple[Step, ...], str, ir.CallSite] | None:
        """The first training step a training loop's body makes, and the calls that lead to it
        when the body only calls a function that trains (`for opt_level in ...: train(opt_level)`)."""
        events = self.functions[func_id].events[loop.index + 1: loop.body_end]
        return self._first_step(func_id, events, (), {func_id}, runs)

    def _first_step(self, func_id: str, events, path: tuple[Step, ...], seen: set[str],
                    runs: Callable[[str], bool] | None = None):
        for event in events:
            if not isinstance(event, ir.CallSite):
                continue
            if self._is_step(func_id, event):
                return path, func_id, event
            for callee in self._callees(func_id, event):
                if callee in self.calling_a_step and callee not in seen and len(path) < _MAX_STEP_DEPTH:
                    step = Step(func_id, event.index, callee, "call")
                    if runs is not None and not self.holds(step, runs):
                        continue
                    seen.add(callee)
                    found = self._first_step(callee, self.functions[callee].events, path + (step,), seen, runs)
                    if found is not None:
                        return found
        return None

    def _callees(self, func_id: str, site: ir.CallSite) -> list[str]:
        """The project functions a call runs: its targets, and those a library call runs at once
        (`strategy.run(train_step)`)."""
        return [*(t.func_id for t in self.graph.targets(func_id, site) if t.func_id), *self.graph.run_now(func_id, site)]

    def iterates_data(self, sym: ir.Sym) -> bool:
        """Whether a loop over this goes over data: a loader, a dataset (knowledge's data names)."""
        return any(self.knowledge.data.find(name) for name in _names_in(sym))

    def in_order(self, start: str, within: frozenset[str] | None = None, limit: int = 50_000,
                 runs: Callable[[str], bool] | None = None) -> Iterator[tuple[tuple[Step, ...], str, ir.Event]]:
        """Events in the order a run of `start` meets them, entering project calls and imported
        module bodies depth first (each function once): the order that decides whether a
        handler is registered in time. With `within`, only those functions are entered: the
        ones that lead to the events asked about, whose relative order stays the same. With
        `runs`, a call that holds only for some passers is entered only if the run runs one
        (see `holds`). No function is entered once `limit` events have been met. The walk keeps
        its own stack: a chain of calls may be longer than Python's recursion limit."""
        seen = {start}
        budget = limit
        stack = [self._run(start, ())]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
                continue
            path, func_id, event = item
            if event is not None:
                budget -= 1
                yield path, func_id, event
            elif func_id not in seen and budget > 0 and (within is None or func_id in within) \
                    and (runs is None or self.holds(path[-1], runs)):
                seen.add(func_id)
                stack.append(self._run(func_id, path))

    def _run(self, func_id: str, path: tuple[Step, ...]) -> Iterator[tuple[tuple[Step, ...], str, ir.Event | None]]:
        """A function's events in order, each followed by the functions it enters (event None).
        A module entered by an import runs without its `if __name__ == "__main__":` block."""
        skipped = self.graph.main_block(func_id) if path else ()
        for event in self.functions[func_id].events:
            if event.index in skipped:
                continue
            yield path, func_id, event
            for step in self._entered(func_id, event):
                yield path + (step,), step.callee, None

    def _entered(self, func_id: str, event: ir.Event) -> list[Step]:
        """The project functions an event runs here: callees, those a call starts on another
        thread (their work starts there), imported module bodies and a with statement's __enter__."""
        if isinstance(event, ir.CallSite):
            callees = [t.func_id for t in self.graph.targets(func_id, event) if t.func_id]
            return [*(Step(func_id, event.index, callee, "call") for callee in callees + self.graph.run_now(func_id, event)),
                    *(Step(func_id, event.index, callee, kind) for callee, kind in self.graph.started(func_id, event))]
        if isinstance(event, ir.Import):
            return [Step(func_id, event.index, body_id, "import")
                    for body_id in self.graph.imported_bodies(self.functions[func_id].module, event)]
        if isinstance(event, ir.With):  # its __enter__ runs before the body: a handler it registers is in place
            return [Step(func_id, event.index, method, "call") for method in self.graph.entered_with(event)]
        return []

    def exit_branches(self, func_id: str) -> list[tuple[int, int]]:
        """The event ranges of the sides of the function's `if`s that end the process (exits.py)."""
        if func_id not in self._exits:
            self._exits[func_id] = self._exiting.exiting_sides(self.functions[func_id], self._exiting.return_ends_the_run(func_id))
        return self._exits[func_id]

    def benchmark_branches(self, func_id: str) -> list[tuple[int, int]]:
        """The event ranges of the function's branches that a benchmark switch picks (guards.py)."""
        if func_id not in self._benchmarks:
            self._benchmarks[func_id] = [(e.index, e.then_end) for e in self.functions[func_id].events
                                         if isinstance(e, ir.Branch) and e.guard == "benchmark"]
        return self._benchmarks[func_id]

    def first_work(self, start: str, runs: Callable[[str], bool] | None = None) -> Work | None:
        """The first training loop or fit call a run of `start` meets, in `in_order`'s order
        within `stepping`. What a function's own run meets first is kept for the next entry
        point where it cannot depend on where the walk came from (see FirstWorkSearch). With
        `runs` (whether this run runs a function), a call that holds only when another caller
        passed the callable (CallGraph.condition) is followed only if this run runs that caller:
        the shared answer is checked, and searched again without the memo if it takes one."""
        # the only training may be a diagnostic mode's, which ends the process: the detours
        found = self._first_of(start, runs, threads=False) or self._first_of(start, runs, threads=True) \
            or FirstWorkSearch(self, runs, detours=True).run(start)
        return Work(found[1], found[2], found[0], found[3]) if found is not None else None

    def _first_of(self, start: str, runs: Callable[[str], bool] | None, threads: bool) -> Found | None:
        """The first work on the run's main thread, or also on the threads it starts: a helper thread
        stepping an optimizer as gradients arrive (prime-rl's, started first) is not the loop."""
        found = FirstWorkSearch(self, threads=threads).run(start)
        if found is not None and runs is not None and not self._found_holds(found, runs):
            found = FirstWorkSearch(self, runs, threads=threads).run(start)
        return found

    def reaches_a_step(self, func_id: str, runs: Callable[[str], bool] | None = None,
                       kinds: frozenset[str] = frozenset({"call", "reference"})) -> bool:
        """Whether the function's calls, or the functions it hands a library (`rpc_async(trainer,
        run_trainer)`), lead to a training step. Imports and an object's callbacks are not
        followed: in a large package they reach a step from code that only prepares data. With
        `runs`, a call or hand-over through a shared helper's parameters holds only if this run
        runs a function that passed it."""
        opens = (lambda passers: any(runs(p) for p in passers)) if runs is not None else None
        reached = self.graph.reach([func_id], kinds, opens=opens)
        return not self._stepping_directly.isdisjoint(reached)

    def holds(self, step: Step, runs: Callable[[str], bool]) -> bool:
        condition = self.graph.condition(step)
        return condition is None or any(runs(caller) for caller in condition)

    def _found_holds(self, found: Found, runs: Callable[[str], bool]) -> bool:
        """Whether this run makes the shared answer's calls, and its loop trains in this run."""
        steps, func_id, event, kind = found
        return all(self.holds(step, runs) for step in steps) and \
            self.work_kind(func_id, event, runs) == kind

    def _order(self, start: str, within: frozenset[str] | None = None,
               runs: Callable[[str], bool] | None = None) -> dict[tuple[str, int], int]:
        """Position of each (function, event index) in the run of `start` (see `in_order`)."""
        return {(func_id, event.index): position
                for position, (_, func_id, event) in enumerate(self.in_order(start, within, runs=runs))}

    def trains_at(self, func_id: str, site: ir.CallSite) -> bool:
        """Whether a call is a training step or fit, or calls what performs one on this thread."""
        return self._is_step(func_id, site) or self.is_fit_call(func_id, site) \
            or any(t.func_id in self.stepping for t in self.graph.targets(func_id, site) if t.func_id)

    def work_kind(self, func_id: str, event: ir.Event, runs: Callable[[str], bool] | None = None) -> str | None:
        if isinstance(event, ir.Loop):
            return self.loop_kind(func_id, event, runs)
        if self.is_fit_call(func_id, event):
            return "fit call"
        return None


_MAX_STEP_DEPTH = 8  # calls followed from a loop to the step it makes: enough to show where it is
def _names_in(sym: ir.Sym) -> list[str]:
    if isinstance(sym, ir.Name):
        return [sym.name]
    if isinstance(sym, ir.Attr):
        return [sym.attr, *_names_in(sym.base)]
    if isinstance(sym, ir.CallOf):
        return [*_names_in(sym.func), *(n for a in sym.args for n in _names_in(a))]
    return []
