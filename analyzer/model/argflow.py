"""Arguments into parameters: what each function's call sites pass it.

`def run(step): step()` called as `run(train_step)` makes `step` stand for `train_step`. The flow
is context-insensitive, as PyCG's is: a parameter stands for everything any call site passes,
of the code a run can reach (reached.py).
Which function a call site runs can itself depend on a parameter (`c(b)` where `c` is one), so
the flow is computed to a fixed point, each round resolving the call sites with the last round's.
Arguments are kept as symbols of the caller's scope; the resolver resolves them on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, FunctionV, InstanceV, PartialV, Value

if TYPE_CHECKING:
    from sigcheck.knowledge import Knowledge
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

Flow = dict[tuple[str, int], tuple[ir.Sym, ...]]  # (function id, parameter index) -> arguments

MAX_ROUNDS = 6  # chains of parameters called with parameters are rarely deeper than this
MAX_ARGUMENTS = 16  # per parameter: a helper called from everywhere stays bounded
# per parameter, the functions handed over by name (`app.run(main=main)` in each of scenic's 39
# scripts): each is run only by the script that passed it (see passing.py), so more are kept
MAX_FUNCTIONS = 64


def argument_flow(project: "ProjectModel") -> Flow:
    return flowing_resolver(project).flow


def flowing_resolver(project: "ProjectModel", knowledge: "Knowledge | None" = None) -> "Resolver":
    """A resolver with the flow of every call site settled."""
    return reachable_flow(project, knowledge, None)[0]


def reachable_flow(project: "ProjectModel", knowledge: "Knowledge | None",
                   roots: Iterable[str] | None) -> tuple["Resolver", frozenset[str] | None]:
    """A resolver with the settled flow. Each round re-resolves only the call sites that read a
    parameter whose arguments the round before changed, with a resolver that takes over every
    answer that read none of them; the last round's resolver is the one returned.

    With `roots`, only the call sites of the functions a run may reach from them take part, and
    those functions are returned: code that never runs passes nothing (see reached.py). What the
    loops, withs and raises of those functions run (`__iter__`, `__enter__`) is probed again only
    once the call sites have settled, with every parameter that changed since: probed after each
    round, they resolved their iterables anew each time (transformers: 16 s of a 28 s flow)."""
    from sigcheck.model.reached import Reacher
    from sigcheck.model.resolve import Resolver

    sites, owners, spans = _call_sites(project)
    passes: list[list[_Pass]] = [[] for _ in sites]
    reads: list[frozenset] = [frozenset()] * len(sites)  # per site: the parameters its resolution read
    collector = _Collector(project)
    resolver = Resolver(project, collector.flow)
    reacher = Reacher(project, resolver, knowledge) if roots is not None and knowledge is not None else None
    todo: Iterable[int] = range(len(sites)) if reacher is None else reacher.start(roots, spans)
    unprobed: set = set()  # parameters changed since the loops, withs and raises were last probed
    for _ in range(MAX_ROUNDS):
        moved = []
        for number in todo:  # grows while it is walked: the functions each site reaches join in
            resolver.begin_tracking()
            found = list(_passes(project, resolver, sites[number], knowledge))
            if reacher is not None:
                todo.extend(reacher.reach(owners[number], sites[number], spans))  # type: ignore[attr-defined]
            reads[number] = resolver.end_tracking()
            if found != passes[number]:
                moved.append(number)
            passes[number] = found
        changed = collector.update(moved, passes)
        if not changed:
            if reacher is None or not unprobed:
                break  # every parameter has the arguments it was resolved with: the flow is settled
            todo, unprobed = reacher.again(resolver, unprobed, spans), set()
            if not todo:
                break
            continue
        unprobed |= changed
        resolver = Resolver(project, collector.flow, resolver, changed)
        if reacher is not None:
            reacher.follow(resolver)
        todo = [number for number, keys in enumerate(reads) if keys and not keys.isdisjoint(changed)]
    else:  # the rounds ran out unsettled: what the loops reach with the last arguments is reached still
        if reacher is not None and unprobed:
            reacher.again(resolver, unprobed, spans)
    return resolver, None if reacher is None else frozenset(reacher.reached)


def _call_sites(project: "ProjectModel") -> tuple[list[ir.CallSite], list[ir.FunctionInfo], dict[str, range]]:
    """Every call site, in the project's order (the order arguments are kept in), the function
    of each, and each function's range of them."""
    sites: list[ir.CallSite] = []
    owners: list[ir.FunctionInfo] = []
    spans: dict[str, range] = {}
    for fn in project.functions.values():
        start = len(sites)
        sites.extend(event for event in fn.events if isinstance(event, ir.CallSite))
        owners.extend([fn] * (len(sites) - start))
        spans[fn.id] = range(start, len(sites))
    return sites, owners, spans


class _Collector:
    """Each parameter's arguments, in call-site order (the first MAX_ARGUMENTS of them), kept
    from round to round: a round rebuilds only the parameters the call sites that moved pass to."""

    def __init__(self, project: "ProjectModel") -> None:
        self.project = project
        self.flow: Flow = {}
        self._given: dict[int, dict[tuple[str, int], dict[ir.Sym, None]]] = {}  # site -> parameter -> arguments
        self._sites: dict[tuple[str, int], set[int]] = {}  # parameter -> the sites that pass it arguments
        self._positional: dict[str, list[int]] = {}  # function id -> its positional parameters' indices
        self._before: dict[tuple[str, int], tuple[ir.Sym, ...]] = {}  # parameter -> its arguments before its last change
        self._returns: dict[tuple[str, int], int] = {}  # parameter -> how often its arguments came back
        self._widened: set[tuple[str, int]] = set()  # parameters whose arguments only grow (see _settled)

    def update(self, moved: list[int], passes: list[list["_Pass"]]) -> set[tuple[str, int]]:
        """Take the new passes of the `moved` sites; return the parameters whose arguments changed."""
        touched: set[tuple[str, int]] = set()
        for number in moved:
            for key in self._given.pop(number, ()):
                self._sites[key].discard(number)
                touched.add(key)
            given: dict[tuple[str, int], dict[ir.Sym, None]] = {}
            for fn, bound, args, kwargs, star in passes[number]:
                _pass(given, fn, bound, args, kwargs, star, self._positional)
            if given:
                self._given[number] = given
            for key in given:
                self._sites.setdefault(key, set()).add(number)
                touched.add(key)
        flow = dict(self.flow)  # the last round's resolver keeps its own
        changed = set()
        for key in touched:
            arguments = self._settled(key, self._collect(key), flow.get(key, ()))
            if arguments != flow.get(key, ()):
                self._before[key] = flow.get(key, ())
                changed.add(key)
                if arguments:
                    flow[key] = arguments
                else:
                    del flow[key]
        self.flow = flow
        return changed

    def _settled(self, key: tuple[str, int], arguments: tuple[ir.Sym, ...],
                 last: tuple[ir.Sym, ...]) -> tuple[ir.Sym, ...]:
        """The arguments; for a parameter they flip back and forth, both. A call resolved with
        them can pass it nothing, and resolved without them pass them again, round after round
        (transformers has a score of such parameters): either alone would be the answer of
        whichever round came last. Coming back once is a call resolved better (a round passed
        it what a later one, knowing more, does not); the second time, the parameter keeps
        both, and its arguments only grow from then on, so the flow settles."""
        if key not in self._widened and arguments != last and arguments == self._before.get(key):
            self._returns[key] = self._returns.get(key, 0) + 1
            if self._returns[key] > 1:
                self._widened.add(key)
        if key in self._widened:
            return self._capped(dict.fromkeys((*last, *arguments)))
        return arguments

    def _collect(self, key: tuple[str, int]) -> tuple[ir.Sym, ...]:
        found: dict[ir.Sym, None] = {}
        for number in sorted(self._sites.get(key, ())):
            found.update(dict.fromkeys(self._given[number][key]))
        return self._capped(found)

    def _capped(self, arguments) -> tuple[ir.Sym, ...]:
        """The first MAX_ARGUMENTS arguments, and of the functions named, the first MAX_FUNCTIONS."""
        kept, functions, others = [], 0, 0
        for sym in arguments:
            if self._names_a_def(sym):
                if functions < MAX_FUNCTIONS:
                    kept.append(sym)
                    functions += 1
            elif others < MAX_ARGUMENTS:
                kept.append(sym)
                others += 1
        return tuple(kept)

    def _names_a_def(self, sym: ir.Sym) -> bool:
        """A name bound only by defs where it is read (`main` in `app.run(main=main)`)."""
        fn = self.project.functions.get(sym.scope) if isinstance(sym, ir.Name) else None
        bindings = fn.bindings.get(sym.name) if fn is not None else None
        return bool(bindings) and all(binding.kind == "def" for binding in bindings)


_Pass = tuple  # (FunctionInfo, bound, args, kwargs, star): one call's arguments into one function


def _passes(project: "ProjectModel", resolver: "Resolver", site: ir.CallSite,
            knowledge: "Knowledge | None" = None) -> Iterable[_Pass]:
    if isinstance(site.func, ir.Attr) and site.func.attr == "remote":
        yield from _ray_passes(project, resolver, site)
    for value in resolver.resolve(site.func):
        if isinstance(value, ExternalV) and knowledge is not None:
            yield from _handed_to_a_start(project, resolver, site, value.qualname, knowledge)
        if isinstance(value, ExternalV) and value.qualname == "functools.partial" and site.args:
            # partial(f, x, k=y): x and y reach f's parameters when the partial is called
            for inner in resolver.resolve(site.args[0]):
                for func_id, bound, _ in receivers(resolver, inner):
                    yield project.functions[func_id], bound, site.args[1:], site.kwargs, positions_unknown(site)
            continue
        for func_id, bound, _ in receivers(resolver, value):
            yield project.functions[func_id], bound, site.args, site.kwargs, positions_unknown(site)


def positions_unknown(site: ir.CallSite) -> bool:
    """Whether a `*xs` argument leaves the positions unknown: `**kwargs` alone keeps them
    (fairseq's `call_main(cfg, main, **kwargs)` hands `main` on as its second argument)."""
    return site.star_args and not site.positions_kept


def _ray_passes(project: "ProjectModel", resolver: "Resolver", site: ir.CallSite) -> Iterable[_Pass]:
    """`Trainer.remote(group)`, `actor.fit.remote(batch)`, `f.remote(x)`: Ray runs the class's
    `__init__`, the method or the function with the call's arguments in a worker (ray_workers.py),
    where `remote` is no attribute of the project's own (OpenRLHF hands its PPO driver actor the
    worker groups it runs `fit` on)."""
    if any(True for value in resolver.resolve(site.func) for _ in receivers(resolver, value)):
        return
    for value in resolver.resolve(site.func.base):
        for func_id, bound, _ in receivers(resolver, value):
            yield project.functions[func_id], bound, site.args, site.kwargs, positions_unknown(site)


def _handed_to_a_start(project: "ProjectModel", resolver: "Resolver", site: ir.CallSite, qualname: str,
                       knowledge: "Knowledge") -> Iterable[_Pass]:
    """The arguments a call that starts a function elsewhere hands it, as knowledge names them:
    `mp.spawn(run, args=(train, cfg))` calls run(index, train, cfg) in each child,
    `Thread(target=f, args=(x,))` calls f(x). Only a tuple or list written out is followed."""
    for entry in knowledge.spawns.find(qualname):
        handed = argument_in(site, entry.option("arguments", []))
        target = argument_in(site, entry.option("target", []))
        if not isinstance(handed, ir.Seq) or target is None:
            continue
        for value in resolver.resolve(target):
            for func_id, bound, _ in receivers(resolver, value):
                yield project.functions[func_id], bound + entry.option("leading", 0), handed.items, (), False


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


def parameter_index(fn: ir.FunctionInfo, name: str) -> int | None:
    """The index of the parameter `name` (not `*args` or `**kwargs`) when the function never rebinds it."""
    bindings = fn.bindings.get(name, ())
    if len(bindings) != 1 or bindings[0].kind != "param":
        return None
    index = next((i for i, p in enumerate(fn.params) if p.name == name), None)
    return None if index is None or fn.params[index].kind in ("varargs", "varkw") else index


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


def argument_at(fn: ir.FunctionInfo, bound: int, index: int, args, kwargs, star: bool) -> ir.Sym | None:
    """The argument a call (`args`, `kwargs`, after `bound` ones) passes to parameter `index`;
    None where it passes none, or where a `*xs` before it leaves the positions unknown."""
    for keyword, sym in kwargs:
        if parameter_slot(fn, bound, None, keyword) == index:
            return sym
    if star:
        return None
    for position, sym in enumerate(args):
        if parameter_slot(fn, bound, position, None) == index:
            return sym
    return None


def _pass(found, fn: ir.FunctionInfo, bound: int, args, kwargs, star: bool, positional: dict[str, list[int]]) -> None:
    # After a `*xs` argument the positions are not known: only keywords are followed.
    pairs = []
    if args and not star:
        slots = positional.get(fn.id)
        if slots is None:
            slots = positional[fn.id] = [i for i, param in enumerate(fn.params) if param.kind in ("posonly", "pos")]
        pairs = [(slots[bound + position] if bound + position < len(slots) else None, sym)
                 for position, sym in enumerate(args)]
        if len(args) + bound > len(slots):  # the tail lands in `*args`, as one tuple
            tail = _varargs_index(fn)
            if tail is not None:
                pairs.append((tail, ir.Seq(tuple(args[max(len(slots) - bound, 0):]))))
    pairs += [(parameter_slot(fn, bound, None, keyword), sym) for keyword, sym in kwargs]
    for index, sym in pairs:
        if index is not None:
            arguments = found.setdefault((fn.id, index), {})
            if len(arguments) < MAX_ARGUMENTS:
                arguments.setdefault(sym, None)


def _varargs_index(fn: ir.FunctionInfo) -> int | None:
    return next((index for index, param in enumerate(fn.params) if param.kind == "varargs"), None)


def argument_in(site: ir.CallSite, slots: list[str]) -> ir.Sym | None:
    """The argument a call passes in the first of these slots it fills: a position as "#0", or a
    keyword (how knowledge entries name a library function's parameters)."""
    keywords = dict(site.kwargs)
    for slot in slots:
        if slot.startswith("#") and int(slot[1:]) < len(site.args):
            return site.args[int(slot[1:])]
        if slot in keywords:
            return keywords[slot]
    return None


def returned_for_call(fn: ir.FunctionInfo, bound: int, returned: ir.Sym, args, kwargs, star: bool) -> ir.Sym | None:
    """What a function returns, in the terms of one call of it: a parameter returned as it is
    (`def register(fn): ...; return fn`) is this call's argument, and so is a parameter a returned
    lookup is keyed by (`return self.task_map[self.task][key]`: `_smart_load("trainer")` gives the
    trainers, not every entry some call asks for: ultralytics). None where neither is."""
    if isinstance(returned, ir.Item):
        base = returned_for_call(fn, bound, returned.base, args, kwargs, star) if isinstance(returned.base, ir.Item) else None
        key = _passed_for(fn, bound, returned.key, args, kwargs, star)
        return None if base is None and key is None else ir.Item(base or returned.base, key or returned.key)
    if isinstance(returned, ir.CallOf) and not returned.args and not returned.kwargs:  # `return kls()`: this call's class
        made = _passed_for(fn, bound, returned.func, args, kwargs, star)
        return None if made is None else ir.CallOf(made)
    return _passed_for(fn, bound, returned, args, kwargs, star)


def returned_on_receiver(fn: ir.FunctionInfo, returned: ir.Sym, receiver: ir.Sym) -> ir.Sym | None:
    """A method's `return self.attr(...)` (or `return self.attr`), in the terms of the object it is
    called on: nerfstudio's `config.setup()` returns `self._target(self, **kwargs)`, the class the
    config subclass gives, where `self` alone is only the base that declares it. None otherwise."""
    call = returned if isinstance(returned, ir.CallOf) else None
    attr = call.func if call is not None else returned
    if fn.class_id is None or not fn.params or not isinstance(attr, ir.Attr) or not _is_self(fn, attr.base):
        return None
    on_receiver = ir.Attr(receiver, attr.attr)
    if call is None:
        return on_receiver
    args = tuple(receiver if _is_self(fn, a) else a for a in call.args)
    kwargs = tuple((k, receiver if _is_self(fn, v) else v) for k, v in call.kwargs)
    return ir.CallOf(on_receiver, args, kwargs, star=call.star)


def _is_self(fn: ir.FunctionInfo, sym: ir.Sym) -> bool:
    bindings = fn.bindings.get(sym.name, ()) if isinstance(sym, ir.Name) and sym.scope == fn.id else ()
    return len(bindings) == 1 and isinstance(bindings[0].value, ir.Param) and bindings[0].value.index == 0


def _passed_for(fn: ir.FunctionInfo, bound: int, sym: ir.Sym, args, kwargs, star: bool) -> ir.Sym | None:
    """The argument the call passes for `sym`, where it is one of the function's parameters never
    rebound (its default where the call passes none)."""
    bindings = fn.bindings.get(sym.name, ()) if isinstance(sym, ir.Name) and sym.scope == fn.id else ()
    if len(bindings) != 1 or not isinstance(bindings[0].value, ir.Param):
        return None
    param = bindings[0].value
    passed = argument_at(fn, bound, param.index, args, kwargs, star)
    return passed if passed is not None or star else param.default
