"""The call sites that call a project function, each one (a caller may call it twice), and
whether a parameter's default is what any of them runs."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.argflow import parameter_slot
from sigcheck.model.callgraph import CallGraph


def default_in_use(graph: CallGraph, fn: ir.FunctionInfo, index: int) -> bool:
    """Whether a parameter's default is what runs: a call leaves it out, or nothing in the project
    calls the function. A default every caller overrides is a configurable path."""
    sites = call_sites(graph, fn.id)
    if not sites:
        return True
    positional = [i for i, p in enumerate(fn.params) if p.kind in ("posonly", "pos")]
    for caller, site in sites:
        if site.star_args:
            continue  # `f(*args)`: it may pass the parameter
        bound = max((t.bound for t in graph.targets(caller, site) if t.func_id == fn.id), default=0)
        passed = {positional[bound + n] for n in range(len(site.args)) if bound + n < len(positional)}
        passed |= {parameter_slot(fn, bound, None, keyword) for keyword, _ in site.kwargs}
        if index not in passed:
            return True
    return False


def call_sites(graph: CallGraph, func_id: str) -> list[tuple[str, ir.CallSite]]:
    """Every call site that calls the function: each caller's, every site its edge stands for."""
    found = []
    for step in graph.callers(func_id, _CALLS):
        events = graph.project.functions[step.caller].events
        found += [(step.caller, events[site]) for site in graph.sites(step.caller, func_id, "call") or (step.site,)
                  if isinstance(events[site], ir.CallSite)]
    return found


_CALLS = frozenset({"call"})
