"""What a call of a function can run. A branch on a flag parameter that the call leaves at a false
default is skipped: OLMo-core's SIGTERM handler calls `self.cancel_run(msg)`, whose
`if no_sync: barrier()` runs only for callers that pass `no_sync=True`."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.argflow import parameter_index, parameter_slot
from sigcheck.model.callgraph import Step

if TYPE_CHECKING:
    from sigcheck.model.callgraph import CallGraph


def skipped(fn: ir.FunctionInfo, site: ir.CallSite, bound: int, bound_keywords: frozenset[str]) -> frozenset[int]:
    """The indices of `fn`'s events that this call of it cannot run. `bound` positional arguments
    and `bound_keywords` come first (a method's self, `partial(stop, sync=True)`)."""
    if site.star_args:
        return frozenset()  # `f(*args)`, `f(**options)`: any parameter may be passed
    flags = _false_defaults(fn)
    if not flags:
        return frozenset()
    passed = {parameter_slot(fn, bound, position, None) for position in range(len(site.args))}
    passed |= {parameter_slot(fn, bound, None, keyword) for keyword in (*bound_keywords, *(k for k, _ in site.kwargs))}
    left = {name for index, name in flags.items() if index not in passed}
    dead: set[int] = set()
    for event in fn.events:
        if isinstance(event, ir.Branch) and event.flag in left:
            dead.update(range(event.index + 1, event.then_end))
    return frozenset(dead)


def _false_defaults(fn: ir.FunctionInfo) -> dict[int, str]:
    """Parameters never rebound in the function whose default is False, None, 0 or empty."""
    found = {}
    for name, bindings in fn.bindings.items():
        index = parameter_index(fn, name)
        default = bindings[0].value.default if index is not None and isinstance(bindings[0].value, ir.Param) else None
        if isinstance(default, ir.Const) and default.value is not Ellipsis and not default.value:
            found[index] = name
    return found


def reach_live(graph: "CallGraph", sources: list[str]) -> tuple[dict[str, Step | None], dict[str, frozenset[int]]]:
    """Every function `sources` reach over call edges, with the first edge that reached it (as
    CallGraph.reach), and the events no call that reaches it can run. A call made from such an
    event is not followed."""
    functions = graph.project.functions
    parents: dict[str, Step | None] = {source: None for source in sources}
    dead: dict[str, frozenset[int]] = {source: frozenset() for source in sources}
    queue = deque(sources)
    while queue:
        caller = queue.popleft()
        if caller not in graph.graph:
            continue
        for _, callee, kind, data in graph.graph.out_edges(caller, keys=True, data=True):
            site = data["site"]
            if kind != "call" or site in dead[caller] or callee not in functions:
                continue
            cut = _skipped_by(graph, caller, functions[caller].events[site], callee)
            known = dead.get(callee)
            merged = cut if known is None else known & cut  # dead only where no call runs it
            if merged != known:
                dead[callee] = merged
                parents.setdefault(callee, Step(caller, site, callee, kind))
                queue.append(callee)
    return parents, dead


def _skipped_by(graph: "CallGraph", caller: str, event: ir.Event, callee: str) -> frozenset[int]:
    """What the call at `event` cannot run of `callee`: nothing where the call is not a plain call
    of it (a command-line runner's `Fire(main)` passes what the command line says)."""
    calls = [t for t in graph.targets(caller, event) if t.func_id == callee] if isinstance(event, ir.CallSite) else []
    if not calls:
        return frozenset()
    return frozenset.intersection(*(skipped(graph.project.functions[callee], event, t.bound, t.bound_keywords)
                                     for t in calls))
