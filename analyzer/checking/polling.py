"""Where a run's loops check the stop flag a SIGTERM handler sets (SIG012's questions)."""

from __future__ import annotations

from sigcheck.checking.step_parts import iterates_one_steps_parts
from sigcheck.model import ir


def first_polling_loop(analysis, entry, flags, registered_at: int) -> int | None:
    """Where the run's first loop that checks the flag starts, after the registration."""
    pollers = analysis.flags.pollers(frozenset(flags))
    positions = [at for func_id in sorted(entry.main)
                 for event in analysis.functions[func_id].events if isinstance(event, ir.Loop)
                 and (at := entry.position(func_id, event)) is not None and at >= registered_at
                 and polls(analysis, func_id, event, flags, pollers)]
    return min(positions, default=None)


def within_a_polling_loop(analysis, way, flags, pollers) -> bool:
    """Whether the function `way` leads to runs inside one iteration of a loop that checks the flag, and none of
    its loops goes over data: the microbatches of one step (Megatron's pipeline schedules) end
    with the step, and the loop around checks the flag after it. A batch loop called once an
    epoch goes over a loader and is still judged."""
    fn = analysis.functions[way[-1].callee] if way else None
    if fn is None or any(isinstance(e, ir.Loop) and over_data(analysis, e, fn.id) for e in fn.events):
        return False
    for step in way:
        caller = analysis.functions[step.caller]
        for loop in caller.events[: step.site]:
            if isinstance(loop, ir.Loop) and loop.index < step.site < loop.body_end \
                    and polls(analysis, step.caller, loop, flags, pollers):
                return True
    return False


def one_steps_microbatches(analysis, func_id: str, loop: ir.Loop, flags, pollers) -> bool:
    """Whether the loop is the gradient accumulation of one step, written inline: it counts (goes
    over no data) and updates nothing, inside an iteration of a loop of the same function that
    checks the flag and updates the model after it (nanoGPT's and llm.c's `for micro_step in
    range(grad_accum_steps):`, then `optimizer.step()`). It ends with the step, as the
    microbatches of a function called there do (within_a_polling_loop). Checking the flag inside
    it would not help: under DDP, a rank that left mid-accumulation would keep the others waiting
    in the all-reduce of the last micro-step."""
    events = analysis.functions[func_id].events
    if over_data(analysis, loop, func_id) or any(analysis.work.takes_update(func_id, e) for e in events[loop.index + 1: loop.end]):
        return False
    return any(isinstance(outer, ir.Loop) and loop.end <= outer.body_end
               and any(analysis.work.takes_update(func_id, e) for e in events[loop.end: outer.body_end])
               and polls(analysis, func_id, outer, flags, pollers) for outer in events[: loop.index])


def over_data(analysis, loop: ir.Loop, func_id: str) -> bool:
    """`for batch in loader:`, `enumerate(dataset)`: a loop over data itself. A count
    (`range(num_microbatches)`) is not, whatever its names say, nor a list every caller builds
    for one step (`enumerate(minibatches)`, one batch per domain: step_parts)."""
    iterated = loop.iter
    if iterated is None or (isinstance(iterated, ir.CallOf) and isinstance(iterated.func, ir.Name)
                            and iterated.func.name == "range"):
        return False
    return analysis.work.iterates_data(iterated) and not iterates_one_steps_parts(analysis, func_id, iterated)


def polls(analysis, func_id, loop, flags, pollers) -> bool:
    if analysis.flags.reads(func_id, loop.test_reads) & set(flags):
        return True
    for event in analysis.functions[func_id].events[loop.index + 1: loop.end]:
        if isinstance(event, ir.Read) and analysis.flags.key(event.sym) in flags:
            return True
        if isinstance(event, (ir.Branch, ir.Loop)) and any(analysis.flags.test_checks(func_id, event, f) for f in flags):
            return True
        if isinstance(event, ir.CallSite) and any(t.func_id in pollers for t in analysis.graph.targets(func_id, event) if t.func_id):
            return True
    return False


def loop_trace(analysis, registration, registered_by: list, way: list, anchor) -> list:
    """From the entry point (the finding names the others whose runs meet the loop): the shared way,
    the rest of the way to the registration, the registration, and the rest of the way to the loop."""
    shared = 0
    while shared < min(len(registered_by), len(way)) and registered_by[shared] == way[shared]:
        shared += 1
    return [*analysis.path_points(way[:shared]), *analysis.path_points(registered_by[shared:]),
            analysis.registration_point(registration), *analysis.path_points(way[shared:]), anchor]


def other_commands(analysis, one: list, other: list) -> bool:
    """Whether two ways from the entry point part at different commands of one command-line runner
    (a Typer app's `serve` and `quantize`, `fire.Fire({...})`): an invocation runs one of them,
    so one command's handler is never registered while the other's loop runs."""
    for this, that in zip(one, other):
        if this == that:
            continue
        site = analysis.functions[this.caller].events[this.site]
        return (this.caller, this.site) == (that.caller, that.site) and isinstance(site, ir.CallSite) \
            and {this.callee, that.callee} <= set(analysis.graph.run_now(this.caller, site))
    return False


def on_other_sides(analysis, registration, registered_by: list, way: list, func_id: str, loop: ir.Loop) -> bool:
    """Whether the registration and the loop are on two sides of one `if` that runs once: the ways
    to them part there (dreamerv3's `if script == "train": ... elif script == "eval_only": ...`,
    triage DE), so the run that meets the loop never registered the handler."""
    shared = 0
    while shared < min(len(registered_by), len(way)) and registered_by[shared] == way[shared]:
        shared += 1
    one = registered_by[shared] if shared < len(registered_by) else None
    other = way[shared] if shared < len(way) else None
    caller = one.caller if one is not None else other.caller if other is not None else None
    if caller is None or (one is None and registration.func_id != caller) or (other is None and func_id != caller) \
            or (one is not None and other is not None and one.caller != other.caller):
        return False
    first = one.site if one is not None else registration.site.index
    second = other.site if other is not None else loop.index
    events = analysis.functions[caller].events
    for branch in (e for e in events if isinstance(e, ir.Branch) and e.index < min(first, second) and max(first, second) < e.end):
        then, other_side = range(branch.index + 1, branch.then_end), range(branch.then_end, branch.end)
        if ((first in then and second in other_side) or (second in then and first in other_side)) and not any(
                isinstance(e, ir.Loop) and e.index < branch.index < e.body_end for e in events):
            return True
    return False


def called_after(analysis, entry, func_id: str, registered_at: int) -> bool:
    """Whether the run calls the function again after the registration, where its first call came
    before: seamless' trainer evaluates 100 batches before training and again inside its loop
    (triage DG), and the run's order places each function once, at its first call."""
    for caller, _, kind, data in analysis.graph.graph.in_edges(func_id, keys=True, data=True):
        if kind != "call" or caller not in entry.main:
            continue
        for site in (data["site"], *data.get("more", ())):  # each call of it, not only the first
            at = entry.position(caller, analysis.functions[caller].events[site])
            if at is not None and at > registered_at:
                return True
    return False
