"""Ray: functions and actor classes made remote run in Ray's worker processes.

`@ray.remote` or `@ray.remote(num_gpus=1)` above a def or a class, or the same applied by hand
(`PolicyActor = ray.remote(num_gpus=1)(Policy)`: OpenRLHF's way), makes a function or a class
remote. `f.remote(...)` runs f as a task in a worker process; `Trainer.remote(...)` starts an
actor, a worker process that holds the instance, and `actor.fit.remote(...)` runs the method
there. Workers are the Ray node's processes, not children the driver signals: a SIGTERM that
stops the driver never reaches them, and they die with it. The call graph gives each such call a
`process` edge to the function the worker runs, and the argument flow passes it the call's
arguments (argflow._ray_passes): an actor started with a worker group runs that group's methods.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Callable

from sigcheck.model import ir
from sigcheck.model.values import UNKNOWN, ClassV, ExternalV, FunctionV, InstanceV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

_MAKES_REMOTE = "ray.remote"


class RayWorkers:
    def __init__(self, project: "ProjectModel", resolver: "Resolver") -> None:
        self.project = project
        self.resolver = resolver

    @cached_property
    def _remote(self) -> frozenset[str]:
        """The function and class ids `ray.remote` is applied to, as a decorator or by hand."""
        found = set()
        for fn in self.project.functions.values():
            for event in fn.events:
                if isinstance(event, ir.CallSite) and len(event.args) == 1 and self._makes_remote(event.func):
                    for value in self.resolver.resolve(event.args[0]):
                        if isinstance(value, FunctionV):
                            found.add(value.func_id)
                        elif isinstance(value, ClassV):
                            found.add(value.class_id)
        return frozenset(found)

    def _makes_remote(self, func: ir.Sym) -> bool:
        """`ray.remote` itself, or what `ray.remote(num_gpus=1)` returns."""
        if isinstance(func, ir.CallOf):
            func = func.func
        if not (isinstance(func, ir.Attr) and func.attr == "remote" or isinstance(func, ir.Name) and func.name == "remote"):
            return False  # most calls: nothing to resolve
        return any(isinstance(v, ExternalV) and v.qualname == _MAKES_REMOTE for v in self.resolver.resolve(func))

    def run_by(self, site: ir.CallSite) -> list[str]:
        """The project functions a `.remote(...)` call runs in a worker: a remote function, an
        actor's method (its own or inherited), or the `__init__` of an actor class started."""
        func = site.func
        if not (isinstance(func, ir.Attr) and func.attr == "remote") or not self._remote:
            return []
        found = []
        for actor, method in self._methods_called(func.base):  # `actor.fit.remote(...)`
            for value in self.resolver.resolve(actor):
                if isinstance(value, InstanceV) and isinstance(value.of, ClassV) and value.of.class_id in self._remote:
                    found.append(self.resolver.method_of(value.of.class_id, method))
        for value in self.resolver.resolve(func.base):
            if isinstance(value, FunctionV) and value.func_id in self._remote:
                found.append(value.func_id)
            elif isinstance(value, ClassV) and value.class_id in self._remote:
                found.append(self.resolver.method_of(value.class_id, "__init__"))
        return [f for f in dict.fromkeys(found) if f is not None]


    def _methods_called(self, sym: ir.Sym) -> list[tuple[ir.Sym, str]]:
        """`actor.fit`, or `getattr(actor, "fit")` with the name written or passed in (a worker
        group running one method on every actor by its name), also through a local bound to it
        once (`method = getattr(actor, method_name); method.remote()`: OpenRLHF's worker groups):
        (actor, method name)."""
        if isinstance(sym, ir.Name):
            fn = self.project.functions.get(sym.scope)
            bindings = fn.bindings.get(sym.name, ()) if fn is not None else ()
            sym = bindings[0].value if len(bindings) == 1 and bindings[0].kind == "assign" else sym
        if isinstance(sym, ir.Attr):
            return [(sym.base, sym.attr)]
        return (self.resolver.attributes_named(sym) or []) if isinstance(sym, ir.CallOf) else []


def ray_api_result(func: Value, call: ir.CallOf, resolve: Callable[[ir.Sym], tuple[Value, ...]]) -> list[Value] | None:
    """What a call of Ray's API on the project's classes and functions returns, for the
    resolver; None for any other call. `ray.remote(Critic)` is the class made an actor class;
    where the class has no such attribute of its own, `Trainer.remote(...)` starts an actor,
    whose handle has the class's methods, and `Trainer.options(num_gpus=2)` is the class with
    other resources (`f.options(...)` the function)."""
    if isinstance(func, ExternalV) and func.qualname == _MAKES_REMOTE and call.args:
        return [UNKNOWN, *(v for v in resolve(call.args[0]) if isinstance(v, (FunctionV, ClassV)))]
    if not (isinstance(func, UnknownV) and isinstance(call.func, ir.Attr) and call.func.attr in ("remote", "options")):
        return None
    bases = resolve(call.func.base)
    found: list[Value] = [InstanceV(v) if call.func.attr == "remote" else v for v in bases if isinstance(v, ClassV)]
    found += [v for v in bases if call.func.attr == "options" and isinstance(v, FunctionV)]
    return found or None
