"""Where the object a method is called on was made: followed to tell an environment's `step` from
an optimizer's where the object's class is a library's sigcheck has no knowledge of.

An OpenEnv client, `GenericEnvClient(base_url=url).sync()`, is stored in `self._client` by a
lazy getter and called as `getattr(client, fn_name)(...)` (ms-swift's rollout workers): its
`step` scores an answer and trains nothing. The receiver is followed back through the locals,
the attributes of `self` and the project functions that return it, a few hops, to the calls
that made it; it is an environment where every one of them is a class or factory named as one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from sigcheck.model import ir
from sigcheck.model.values import FunctionV

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

# A class or factory an environment is made with: `GenericEnvClient(url)`, `make_env(...)`,
# `SubprocVecEnv(...)`, `IsaacEnvironment()`.
_NAMED_AS_AN_ENV = re.compile(r"Env(?:[A-Z_]|ironment|$)|(?:^|_)envs?(?:_|$)")
_HOPS = 8  # each local, attribute, getter and call a value is followed through counts one


class ReceiverOrigins:
    def __init__(self, project: "ProjectModel", resolver: "Resolver") -> None:
        self.project = project
        self.resolver = resolver

    def made_as_an_env(self, func: ir.Sym) -> bool:
        """Whether the receiver of `x.step(...)` or `getattr(x, name)(...)` is an environment."""
        receiver = _receiver(func)
        return receiver is not None and self._made_as_an_env(receiver, _HOPS, set())

    def _made_as_an_env(self, value: ir.Sym, hops: int, seen: set[ir.Sym]) -> bool:
        """A value made by an environment's class or factory, or from what was (`client.sync()`,
        `self._ensure_client()`), or a local or attribute only ever assigned such values."""
        if _made_by_an_env(value):
            return True
        if hops == 0 or value in seen:
            return False
        seen.add(value)
        if isinstance(value, ir.CallOf):
            return any(self._made_as_an_env(origin, hops - 1, seen) for origin in self._origins(value))
        assigned = [v for v in self._assigned(value) if not isinstance(v, ir.Const)]  # `self._client = None`
        return bool(assigned) and all(self._made_as_an_env(v, hops - 1, seen) for v in assigned)

    def _assigned(self, sym: ir.Sym) -> list[ir.Sym]:
        """A local's assigned values, or those the class of `self` stores in the attribute."""
        if isinstance(sym, ir.Name):
            fn = self.project.functions.get(sym.scope)
            return [b.value for b in fn.bindings.get(sym.name, ()) if b.kind == "assign"] if fn is not None else []
        if isinstance(sym, ir.Attr) and isinstance(sym.base, ir.Name):
            fn = self.project.functions.get(sym.base.scope)
            if fn is not None and fn.class_id in self.project.classes and fn.params and fn.params[0].name == sym.base.name:
                return list(self.project.classes[fn.class_id].attributes.get(sym.attr, ()))
        return []

    def _origins(self, call: ir.CallOf) -> Iterator[ir.Sym]:
        """What a call's result was made from: the object a library method was called on
        (`client.sync()`), or what the project function called returns."""
        project = [v.func_id for v in self.resolver.resolve(call.func)
                   if isinstance(v, FunctionV) and v.func_id in self.project.functions]
        for func_id in project:
            yield from self.project.functions[func_id].returns
        if not project and isinstance(call.func, ir.Attr):
            yield call.func.base


def _receiver(func: ir.Sym) -> ir.Sym | None:
    if isinstance(func, ir.Attr):
        return func.base
    if isinstance(func, ir.CallOf) and isinstance(func.func, ir.Name) and func.func.name == "getattr" and func.args:
        return func.args[0]
    return None


def _made_by_an_env(value: ir.Sym) -> bool:
    """Whether the value is made by calling a class or factory named as an environment's, or a
    method on what one made (`GenericEnvClient(url).sync()`). Only the names along what is
    called count, not its arguments (`Trainer(env_config)` is no environment)."""
    called = value.func if isinstance(value, ir.CallOf) else None
    while called is not None:
        if isinstance(called, ir.Name):
            return bool(_NAMED_AS_AN_ENV.search(called.name))
        if isinstance(called, ir.Attr):
            if _NAMED_AS_AN_ENV.search(called.attr):
                return True
            called = called.base.func if isinstance(called.base, ir.CallOf) else called.base
        else:
            return False
    return False
