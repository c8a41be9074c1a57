"""Which classes' instances a method's `self` can be, where the call graph shows every way in.

`Dataset.__init__` calls `self._process()`, which calls `self.process()`: the override that runs is
the one of the class the run made. pyg's `Planetoid(root)` reaches `Dataset._process` only through
`super().__init__` calls and calls on `self`, so its `self` is a Planetoid there, and
GraphLand's `process`, a sibling's override nothing in the project makes, is not what runs.
Walked back from the method: calls on `self` from methods of the same object, `super()` calls, up
to the calls that make the instance. Any other way in (a call on another object, a callback, a
thread), or a method no edge reaches, leaves the answer unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, InstanceV, SuperV

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

_MAX_METHODS = 64  # walked back from one method: a template method's chain is short


def made_classes(project: "ProjectModel", resolver: "Resolver", graph, method: str) -> frozenset[str] | None:
    """The classes whose making leads to `method` through calls on the same `self`; None where
    some way in is not such a call, or the walk grows past _MAX_METHODS."""
    made: set[str] = set()
    seen = {method}
    todo = [method]
    while todo:
        current = todo.pop()
        fn = project.functions.get(current)
        if fn is None or fn.class_id is None or fn.kind != "function":
            return None
        ways = list(graph.in_edges(current, keys=True, data=True))
        if any(kind != "call" for _, _, kind, _ in ways) or (not ways and not current.endswith(".__init__")):
            return None  # a callback, a thread; or a method only a library calls
        for caller, _, _, data in ways:
            for site in (data["site"], *data.get("more", ())):
                way = _way_in(project, resolver, caller, site, fn)
                if way is None:
                    return None
                if isinstance(way, str):
                    if way not in seen:
                        seen.add(way)
                        todo.append(way)
                else:
                    made.update(way)
        if len(seen) > _MAX_METHODS:
            return None
    return frozenset(made)


def _way_in(project: "ProjectModel", resolver: "Resolver", caller: str, site: int, callee: ir.FunctionInfo):
    """How the call at `site` enters `callee`: the calling method (a call on its own `self`, or a
    `super()` call), the classes it makes (a call of a class), or None (anything else)."""
    fn = project.functions.get(caller)
    event = fn.events[site] if fn is not None and site < len(fn.events) else None
    if not isinstance(event, ir.CallSite):
        return None
    if callee.name == "__init__":
        if _a_parameter(fn, event.func) or isinstance(event.func, ir.CallOf):  # `cls(opt)`, `type(self)(opt)`:
            return None  # the class the caller names, or the instance's, any subclass
        classes = [v for v in resolver.resolve(event.func) if isinstance(v, ClassV)]
        if classes and len(classes) == len(resolver.resolve(event.func)):
            return {v.class_id for v in classes}
    func = event.func
    if not isinstance(func, ir.Attr) or fn.class_id is None or not fn.params:
        return None
    base = resolver.resolve(func.base)
    if isinstance(func.base, ir.Name) and func.base.name == fn.params[0].name \
            and base == (InstanceV(ClassV(fn.class_id)),) and len(fn.bindings.get(func.base.name, ())) == 1:
        return caller  # `self.method()`
    if base and all(isinstance(v, SuperV) for v in base) and _own_super(func.base, fn):
        return caller  # `super().__init__(...)`
    return None


def _a_parameter(fn: ir.FunctionInfo, sym: ir.Sym) -> bool:
    """A name the function binds only as a parameter: what it holds, a caller decides."""
    bindings = fn.bindings.get(sym.name, ()) if isinstance(sym, ir.Name) and sym.scope == fn.id else ()
    return bool(bindings) and all(isinstance(b.value, ir.Param) for b in bindings)


def _own_super(call: ir.Sym, fn: ir.FunctionInfo) -> bool:
    """`super()` with no arguments, or `super(Cls, self)` with the method's own `self`."""
    if not isinstance(call, ir.CallOf):
        return False
    if not call.args:
        return True
    return len(call.args) == 2 and isinstance(call.args[1], ir.Name) and call.args[1].name == fn.params[0].name


def runs_override(made: frozenset[str], subclass: str, subclasses: dict[str, list[str]]) -> bool:
    """Whether an instance of one of `made` runs the override `subclass` defines: it is that
    class or one below it."""
    below = {subclass, *subclasses.get(subclass, ())}
    return not below.isdisjoint(made)
