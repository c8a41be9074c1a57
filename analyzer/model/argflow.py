"""Arguments into parameters: what each function's call sites pass it.

`def run(step): step()` called as `run(train_step)` makes `step` stand for `train_step`. The flow
is context-insensitive, as PyCG's is: a parameter stands for everything any call site passes.
Which function a call site runs can itself depend on a parameter (`c(b)` where `c` is one), so
the flow is computed to a fixed point, each round resolving the call sites with the last round's.
Arguments are kept as symbols of the caller's scope; the resolver resolves them on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, FunctionV, InstanceV, PartialV, Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

Flow = dict[tuple[str, int], tuple[ir.Sym, ...]]  # (function id, parameter index) -> arguments

MAX_ROUNDS = 6  # chains of parameters called with parameters are rarely deeper than this
MAX_ARGUMENTS = 16  # per parameter: a helper called from everywhere stays bounded


def argument_flow(project: "ProjectModel") -> Flow:
    return flowing_resolver(project).flow


def flowing_resolver(project: "ProjectModel") -> "Resolver":
    """A resolver with the settled flow. Each round's resolver starts from what the one before
    resolved without reading the flow, and the last round's is the one returned: what the rounds
    resolved is not resolved again."""
    from sigcheck.model.resolve import Resolver

    flow: Flow = {}
    settled: dict[int, list[_Pass]] = {}  # call sites whose passes do not depend on the flow
    sites = [site for fn in project.functions.values() for site in fn.events if isinstance(site, ir.CallSite)]
    resolver = None
    for _ in range(MAX_ROUNDS):
        resolver = Resolver(project, flow, resolver)
        found: dict[tuple[str, int], dict[ir.Sym, None]] = {}
        for number, site in enumerate(sites):
            passes = settled.get(number)
            if passes is None:
                resolver.begin_tracking()
                passes = list(_passes(project, resolver, site))
                if not resolver.end_tracking():  # the same in every round: worked out once
                    settled[number] = passes
            for fn, bound, args, kwargs, star in passes:
                _pass(found, fn, bound, args, kwargs, star)
        collected = {key: tuple(arguments) for key, arguments in found.items()}
        if collected == flow:
            return resolver  # it resolved with this very flow
        flow = collected
    return Resolver(project, flow, resolver)


_Pass = tuple  # (FunctionInfo, bound, args, kwargs, star): one call's arguments into one function


def _passes(project: "ProjectModel", resolver: "Resolver", site: ir.CallSite) -> Iterable[_Pass]:
    for value in resolver.resolve(site.func):
        if isinstance(value, ExternalV) and value.qualname == "functools.partial" and site.args:
            # partial(f, x, k=y): x and y reach f's parameters when the partial is called
            for inner in resolver.resolve(site.args[0]):
                for func_id, bound, _ in receivers(resolver, inner):
                    yield project.functions[func_id], bound, site.args[1:], site.kwargs, site.star_args
            continue
        for func_id, bound, _ in receivers(resolver, value):
            yield project.functions[func_id], bound, site.args, site.kwargs, site.star_args


def receivers(resolver: "Resolver", value: Value) -> Iterable[tuple[str, int, frozenset[str]]]:
    """(function id, leading parameters already bound, keywords already bound) of the project
    function whose parameters receive a call's arguments when `value` is called."""
    if isinstance(value, FunctionV):
        yield value.func_id, value.bound, value.bound_keywords
    elif isinstance(value, PartialV):
        for func_id, bound, keywords in receivers(resolver, value.func):
            yield func_id, bound + value.bound, keywords | value.bound_keywords
    else:
        calls = (value.class_id, "__init__") if isinstance(value, ClassV) else \
            (value.of.class_id, "__call__") if isinstance(value, InstanceV) and isinstance(value.of, ClassV) else None
        method = resolver.method_of(*calls) if calls else None
        if method is not None:
            yield method, 1, frozenset()


def parameter_slot(fn: ir.FunctionInfo, bound: int, position: int | None, keyword: str | None) -> int | None:
    """The index of the parameter an argument lands in: the `position`-th positional argument
    after `bound` ones, or the keyword `keyword`. None for `*args`/`**kwargs` or no such one."""
    if keyword is not None:
        for index, param in enumerate(fn.params):
            if param.name == keyword and param.kind in ("pos", "kwonly"):
                return index
        return None
    positional = [index for index, param in enumerate(fn.params) if param.kind in ("posonly", "pos")]
    slot = bound + (position or 0)
    return positional[slot] if slot < len(positional) else None


def _pass(found, fn: ir.FunctionInfo, bound: int, args, kwargs, star: bool) -> None:
    # After a `*xs` or `**kw` argument the positions are not known: only keywords are followed.
    pairs = [] if star else [(parameter_slot(fn, bound, position, None), sym) for position, sym in enumerate(args)]
    pairs += [(parameter_slot(fn, bound, None, keyword), sym) for keyword, sym in kwargs]
    for index, sym in pairs:
        if index is not None:
            arguments = found.setdefault((fn.id, index), {})
            if len(arguments) < MAX_ARGUMENTS:
                arguments.setdefault(sym, None)
