"""Where the long-running training work is, and the order in which an entry point reaches it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterator

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import IN_PROCESS, MAIN_THREAD, CallGraph, Step
from sigcheck.model.exits import ExitFinder
from sigcheck.model.first_work import FirstWorkSearch, Found
from sigcheck.model.gradients import uses_gradient
from sigcheck.model.receivers import ReceiverOrigins
from sigcheck.model.step_calls import StepCalls
from sigcheck.model.steps import (fits_noise_made_before, leaves_loop_after, probes_on_noise, restores_state_after,
                                  runs_a_few_rounds, steps_loop_target, steps_one_made_in_it)


@dataclass(frozen=True)
class Work:
    """A training loop or a library fit call, reached from an entry point through `path`."""

    func_id: str
    event: ir.Event  # a Loop or a CallSite
    path: tuple[Step, ...]
    what: str  # "training loop" | "fit call" | "data loop"


class WorkFinder(StepCalls):
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
        self._gradient_makers: dict[ir.Sym, list] = {}  # see _gradient_function_called
        self._trained_by_body: frozenset[str] | None = None  # see _stepping_directly; None until it is known
        # One entry point's rules ask in a row; all of them at once would not fit. The cache is
        # this instance's: a class-level one would keep old analyses alive in the language server.
        self.order = lru_cache(maxsize=32)(self._order)

    @cached_property
    def _stepping_directly(self) -> set[str]:
        """Of the functions the graph holds: one no run reaches steps in no run. A call of a
        project function the knowledge names as a library's fit (see _own_fits) steps where
        that function's own body shows no step: the body is judged first, with no such call."""
        built = self.graph.built
        self._trained_by_body = frozenset(built)  # while the bodies are judged, every call is judged by them
        found = {f.id for f in self.functions.values() if f.id in built and any(self._is_step(f.id, e) for e in f.events)}
        own = [fn.id for fn in self.functions.values() if fn.id in built and self._own_fit_entries(fn)]
        if not own:
            self._trained_by_body = frozenset(built)  # every call of a project function is judged by its body
            return found
        self._trained_by_body = frozenset(self.graph.reaching(found, MAIN_THREAD | IN_PROCESS))
        return found | {caller for func_id in own if func_id not in self._trained_by_body and func_id in self.graph.graph
                        for caller, _, kind in self.graph.graph.in_edges(func_id, keys=True) if kind == "call"}

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
        return frozenset(self.graph.reaching(self._stepping_directly, frozenset({"call"}), own_calls=True))

    def loop_kind(self, func_id: str, loop: ir.Loop, runs: Callable[[str], bool] | None = None) -> str | None:
        """"training loop" when the body reaches a step (not a few rounds of steps written out, a few
        on noise, a warm-up undone: steps.py), "data loop" when it iterates a loader. With `runs`
        (see first_work), a step through a call that holds only for other passers does not count."""
        fn = self.functions[func_id]
        undone = restores_state_after(fn, loop)  # a warm-up, whatever it calls (modded-nanogpt's compile warm-up)
        few = undone or runs_a_few_rounds(fn, loop) or self._checks_itself_on_noise(func_id, loop) \
            or self._drops_gradients(func_id, loop)
        for event in fn.events[loop.index + 1: loop.body_end]:
            if self._is_step(func_id, event) and not steps_loop_target(loop, event) \
                    and not steps_one_made_in_it(fn, loop, event) and not few:
                return "training loop"
            if isinstance(event, ir.CallSite) and not undone and not leaves_loop_after(fn, loop, event) \
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

    def _checks_itself_on_noise(self, func_id: str, loop: ir.Loop) -> bool:
        """A module's check of itself that steps on noise: made in the loop's body, a few rounds;
        made before the loop, a written-out count of them (steps.py)."""
        if not self._self_check(func_id, loop):
            return False
        fn = self.functions[func_id]
        block = self.graph.main_block(func_id)
        makes_noise = lambda site: self._makes_noise(func_id, site)  # noqa: E731
        return probes_on_noise(fn, loop, makes_noise) or fits_noise_made_before(
            fn, loop, range(min(block), loop.index), makes_noise)

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
        """Whether a loop over this goes over data: a loader, a dataset (knowledge's data names),
        also through a variable it was bound to (`pbar = tqdm(loader)`, yolov9's validation)."""
        return any(self.knowledge.data.find(name) for name in self._iterated_names(sym, 2))

    def _iterated_names(self, sym: ir.Sym, hops: int) -> list[str]:
        names = _names_in(sym)
        if hops and isinstance(sym, ir.Name):
            for binding in self.graph.resolver.binding_scope(sym.name, sym.scope)[1]:
                names += self._iterated_names(binding.value, hops - 1) if binding.kind == "assign" else []
        return names

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
