"""What an abstract method returns: what the subclasses' overrides of it return.

tianshou's `Algorithm.run_training` calls `self.create_trainer(...)`, abstract in the base and
overridden in each algorithm family to make its trainer, then runs it: the flow gives `self`
the class the method is defined in, so the call's value is the overrides' (class hierarchy
analysis, for a method that returns nothing of its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ExternalV, FunctionV, Value

if TYPE_CHECKING:
    from sigcheck.model.resolve import Resolver

_MAX_OVERRIDES = 8  # a base with more implementations than this is left unknown


def override_returns(resolver: "Resolver", fn: ir.FunctionInfo, bound: int) -> list[Value]:
    """The values the overrides of an abstract method `fn` return; empty where it is none."""
    if fn.class_id is None or fn.returns or fn.yields or not _abstract(resolver, fn):
        return []
    overrides = [method for class_id in resolver.containers.subclasses().get(fn.class_id, ())
                 if (method := resolver.project.classes[class_id].methods.get(fn.name)) and method != fn.id]
    if len(overrides) > _MAX_OVERRIDES:
        return []
    return [v for method in dict.fromkeys(overrides) for v in resolver.returns(FunctionV(method, bound=bound), (), ())]


def _abstract(resolver: "Resolver", fn: ir.FunctionInfo) -> bool:
    """Decorated `@abstractmethod`, or raising NotImplementedError."""
    if any(resolver.qualname(v) == "abc.abstractmethod" for d in fn.decorators for v in resolver.resolve(d)):
        return True
    return any(isinstance(e, ir.Raise) and e.exc is not None and any(
        isinstance(v, ExternalV) and v.qualname == "builtins.NotImplementedError"
        for v in resolver.resolve(e.exc.func if isinstance(e.exc, ir.CallOf) else e.exc)) for e in fn.events)
