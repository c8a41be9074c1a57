"""Where SIGTERM registrations sit in a run: under which conditions, whether those leave runs out,
and which registration replaces or stands in for another. SIG007 judges registrations by these;
SIG002 and SIG004 leave alone a handler another one makes moot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.roots import root_name
from sigcheck.model.values import ClassV, DictV, FunctionV
from sigcheck.model.signals import HandlerRegistration

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.entries import EntryFacts


def under_a_condition(analysis: "Analysis", entry: "EntryFacts", registration: HandlerRegistration) -> bool:
    """Whether the registration, or a call on the entry point's way to it, sits under an `if`
    that is no main guard, platform check or test of whether the signal exists."""
    return condition_of(analysis, entry, registration) is not None


def condition_of(analysis: "Analysis", entry: "EntryFacts",
                 registration: HandlerRegistration) -> tuple[str, ir.Branch] | None:
    """The `if` nearest the registration on the entry point's way to it (see under_a_condition),
    with the function it is in."""
    signal_names = _signal_names(registration)
    for func_id, index in _path_sites(entry, registration):
        own = signal_names if func_id == registration.func_id else frozenset()
        branch = _condition(analysis.functions[func_id], index, own)
        if branch is not None:
            return func_id, branch
    return None


def guards_the_training(analysis: "Analysis", entry: "EntryFacts", registration: HandlerRegistration) -> bool:
    """Whether the `if` the registration sits under also holds every training of the run: a run
    where it is false trains nothing to protect (MXNet's `if args.mode in ['train_val', 'train']:
    model_fit(...)`, where model_fit registers the handler and trains; the `val` branch only
    scores). No call on the way to it, nor in the function outside the `if`, trains."""
    found = condition_of(analysis, entry, registration)
    if found is None:
        return False
    func_id, branch = found
    outside = [(step.caller, step.site) for step in entry.path_to(func_id)]  # each may train only through the way on
    for caller, on_the_way in outside:
        if any(isinstance(e, ir.CallSite) and e.index != on_the_way and analysis.work.trains_at(caller, e)
               for e in analysis.functions[caller].events):
            return False
    return not any(isinstance(e, ir.CallSite) and not branch.index < e.index < branch.then_end
                   and analysis.work.trains_at(func_id, e) for e in analysis.functions[func_id].events)


def apart_from_training(analysis: "Analysis", entry: "EntryFacts", registration: HandlerRegistration) -> ir.Branch | None:
    """The `if` one side of which registers the handler and the other trains, where the side that
    registers trains nothing: a run that trains never registers it, and a run that registers it
    has no training to protect (horovod's examples: `if args.num_proc: horovod.run(main, ...)
    else: main(args)`, where only horovod's launcher handles SIGTERM)."""
    work = entry.first_work
    if work is None:
        return None
    registering = [(s.caller, s.site) for s in entry.path_to(registration.func_id)] + \
        [(registration.func_id, registration.site.index)]
    training = [(s.caller, s.site) for s in work.path] + [(work.func_id, work.event.index)]
    for (func_id, at), (other_id, other_at) in zip(registering, training):
        if func_id != other_id:
            return None
        if at != other_at:
            return _apart(analysis, analysis.functions[func_id], at, other_at)
    return None


def _apart(analysis: "Analysis", fn: ir.FunctionInfo, registers: int, trains: int) -> ir.Branch | None:
    for branch in fn.events:
        if not isinstance(branch, ir.Branch) or branch.guard is not None or not branch.index < registers < branch.end:
            continue
        arms = [(branch.index + 1, branch.then_end), (branch.then_end, branch.end)]
        own = next((arm for arm in arms if arm[0] <= registers < arm[1]), None)
        other = next((arm for arm in arms if arm[0] <= trains < arm[1]), None)
        if own is not None and other is not None and own != other:
            trained = any(isinstance(e, ir.CallSite) and analysis.work.trains_at(fn.id, e) or
                          analysis.work.work_kind(fn.id, e) == "training loop" for e in fn.events[own[0]:own[1]])
            return None if trained else branch
    return None


def replaced_before_work(analysis: "Analysis", entry: "EntryFacts", registration: HandlerRegistration) -> bool:
    """Whether another SIGTERM registration, made in every run after this one and before the
    training starts, replaces it: a handler that ignores SIGTERM while the data loads
    (Transformer-XL's) is never the one a stop of the training meets."""
    work_at = entry.first_work_position()
    at = entry.position(registration.func_id, registration.site)
    if work_at is None or at is None or at > work_at:
        return False
    replacing = [other for other in entry.registrations if other is not registration and other.covers_sigterm
                 and (later := entry.position(other.func_id, other.site)) is not None and at < later < work_at]
    # one made on every run, or several whose conditions leave no run out (rank 0's and the others')
    return any(not under_a_condition(analysis, entry, other) for other in replacing) \
        or (bool(replacing) and every_run_registers(analysis, entry, replacing))


def rank_alternatives(analysis: "Analysis", registration: HandlerRegistration) -> list[HandlerRegistration]:
    """The SIGTERM registrations on the other side of a rank test from this one (`if rank == 0:
    signal(SIGTERM, save_and_stop) else: signal(SIGTERM, ignore)`): they run in other processes
    of the same job, and where rank 0 saves, the other ranks have nothing of their own to keep."""
    fn = analysis.functions[registration.func_id]
    index = registration.site.index
    found = []
    for branch in fn.events[:index]:
        if not isinstance(branch, ir.Branch) or not branch.index < index < branch.end or not _tests_rank(branch):
            continue
        then = branch.index < index < branch.then_end
        for other in analysis.sigterm_registrations():
            other_at = other.site.index
            if other is not registration and other.func_id == fn.id and branch.index < other_at < branch.end \
                    and (branch.index < other_at < branch.then_end) != then:
                found.append(other)
    return found


def _tests_rank(branch: ir.Branch) -> bool:
    return any(_names_a_rank(sym) for sym in branch.test_reads)


def _names_a_rank(sym: ir.Sym) -> bool:
    if isinstance(sym, ir.Name):
        word = sym.name
    elif isinstance(sym, ir.Attr):
        word = sym.attr
    elif isinstance(sym, ir.Item) and isinstance(sym.key, ir.Const) and isinstance(sym.key.value, str):
        word = sym.key.value
    else:
        return False
    word = word.lower()
    return "rank" in word or "main_process" in word or "master" in word


def every_run_registers(analysis, entry, registrations: list[HandlerRegistration]) -> bool:
    """Whether the conditions the registrations sit under leave no run out: both sides of an
    `if`/`else` register (or call what does on every run). Each function on the way counts the
    sites that lead to a registration; a call leads there when the callee itself always does."""
    leads: dict[str, dict[int, str | None]] = {}  # function -> its sites that lead on (-> the callee, None: registers)
    names: dict[str, frozenset[str]] = {}
    root = None
    for registration in registrations:
        leads.setdefault(registration.func_id, {})[registration.site.index] = None
        names[registration.func_id] = names.get(registration.func_id, frozenset()) | _signal_names(registration)
        path = entry.path_to(registration.func_id)
        for step in path:  # each site the step's call is made at: both sides of an `if` may make it
            for site in analysis.graph.sites(step.caller, step.callee, step.kind) or (step.site,):
                leads.setdefault(step.caller, {})[site] = step.callee
        root = path[0].caller if path else registration.func_id
    return root is not None and _always(analysis, leads, names, root, set())


def _always(analysis, leads, names, func_id: str, seen: set[str]) -> bool:
    if func_id in seen:
        return False
    seen = seen | {func_id}
    sites = {index for index, callee in leads.get(func_id, {}).items()
             if callee is None or _always(analysis, leads, names, callee, seen)}
    fn = analysis.functions[func_id]
    return _region_registers(fn, sites, 0, len(fn.events), names.get(func_id, frozenset()))


def _region_registers(fn: ir.FunctionInfo, sites: set[int], start: int, end: int, signal_names: frozenset[str]) -> bool:
    """Whether every pass through events [start, end) meets one of `sites`: one outside any
    condition, or one on each side of a condition."""
    index = start
    while index < end:
        if index in sites:
            return True
        event = fn.events[index]
        if isinstance(event, ir.Branch) and event.guard is None and not _tests_only(event, signal_names):
            if _region_registers(fn, sites, event.index + 1, event.then_end, signal_names) and \
                    _region_registers(fn, sites, event.then_end, event.end, signal_names):
                return True
            index = max(event.end, index + 1)
            continue
        index += 1
    return False


def chosen_from_a_table(analysis: "Analysis", entry: "EntryFacts", registration: HandlerRegistration) -> tuple[str, ir.CallSite, str] | None:
    """A call on the way to the registration that runs what a table of classes or functions
    holds under a key the run is given (`PLUGINS[name](model)`, ms-swift's
    `callbacks_map[callback](args, self)` for each name on the command line): a run that picks
    another, or none, never makes it. The call, its function and the table's name as written."""
    for func_id, index in _path_sites(entry, registration):
        site = analysis.functions[func_id].events[index]
        func = site.func if isinstance(site, ir.CallSite) else None
        if not (isinstance(func, ir.Item) and not isinstance(func.key, ir.Const)):
            continue
        tables = [v for v in analysis.resolver.resolve(func.base) if isinstance(v, DictV)]
        if tables and all(_some_pick_misses(analysis, table, registration.func_id) for table in tables):
            root = root_name(func.base)
            return func_id, site, root.name if root is not None else "a table"
    return None


def _some_pick_misses(analysis: "Analysis", table: DictV, registers: str) -> bool:
    """Whether the table holds, beside what leads to the registration, a class or function that
    does not (ms-swift's callbacks_map: GracefulExitCallback beside a profiler's); not where a
    value is not known, nor where every one registers it."""
    reaches = []
    for _, value in table.entries:
        if isinstance(value, ClassV):
            start = analysis.resolver.method_of(value.class_id, "__init__")
        elif isinstance(value, FunctionV):
            start = value.func_id
        else:
            return False
        reaches.append(start is not None and registers in analysis.graph.reach([start], frozenset({"call"})))
    return any(reaches) and not all(reaches)


def _path_sites(entry, registration):
    yield registration.func_id, registration.site.index
    for step in entry.path_to(registration.func_id):
        yield step.caller, step.site


def _condition(fn: ir.FunctionInfo, index: int, signal_names: frozenset[str] = frozenset()) -> ir.Branch | None:
    """The innermost `if` around the event at `index` that is no main guard or signal test."""
    return next((e for e in reversed(fn.events[:index]) if isinstance(e, ir.Branch) and e.guard is None
                 and e.index < index < e.end and not _tests_only(e, signal_names)), None)


def _signal_names(registration) -> frozenset[str]:
    """The variable the registration takes its signal from (`sig` in `signal.signal(sig, h)`)."""
    root = root_name(registration.site.args[0]) if registration.site.args else None
    return frozenset({root.name}) if root is not None else frozenset()


def _tests_only(branch: ir.Branch, names: frozenset[str]) -> bool:
    """`if sig is not None:` around `signal.signal(sig, h)`, after `sig = getattr(signal, name,
    None)`: the test asks whether the platform has the signal, true wherever SIGTERM exists."""
    roots = [root_name(sym) for sym in branch.test_reads if not isinstance(sym, ir.Const)]
    return bool(names) and bool(roots) and all(root is not None and root.name in names for root in roots)


_MAIN_THREAD_CALLS = frozenset({"call", "reference", "callback"})  # what runs on the thread that makes the call


def run_after(analysis: "Analysis", entry: "EntryFacts", registration: HandlerRegistration) -> tuple[int, frozenset[str]] | None:
    """Where the registration comes in the entry point's run, and the functions the main thread
    may run after it: those a call of the main thread's after it runs, as far as their calls go
    (the run's order enters a thread's target where the thread starts). A function whose
    every run came before it (unsloth's studio takes a lock once at start-up, then registers)
    cannot be interrupted by the handler. None where the run never meets the registration."""
    at = entry.position(registration.func_id, registration.site)
    if at is None:
        return None
    order = analysis.work.order(entry.body_id, analysis.ordered, entry.main.runs_a_passer)
    later = [target.func_id for (func_id, index), position in order.items() if position > at and func_id in entry.main
             for event in [analysis.functions[func_id].events[index]] if isinstance(event, ir.CallSite)
             for target in analysis.graph.targets(func_id, event) if target.func_id]
    return at, frozenset(analysis.graph.reach(later, _MAIN_THREAD_CALLS))
