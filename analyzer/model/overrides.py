"""Subclasses' overrides of a method `self` names in a base class (class hierarchy analysis).

The flow gives `self` the class the method is defined in, but the instance may be a subclass's:
- what an abstract method returns is what its overrides return: tianshou's
  `Algorithm.run_training` calls `self.create_trainer(...)`, abstract in the base and overridden
  in each algorithm family to make its trainer, then runs it;
- a method taken as a value (`train_fn = self.train_step`, then `train_fn()` in a loop) is the
  overrides' too: TF2 model garden's StandardTrainable, whose subclasses write the step.
(A call `self.step()` reaches the overrides through calltargets.py.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, FunctionV, InstanceV, Value

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


def self_class(resolver: "Resolver", attr: ir.Attr) -> str | None:
    """The class of the method whose `self` the attribute is taken from, where it has subclasses."""
    if not isinstance(attr.base, ir.Name):
        return None
    fn = resolver.project.functions.get(attr.base.scope)
    if fn is None or fn.class_id is None or fn.kind != "function" or not fn.params:
        return None
    if not resolver.containers.subclasses().get(fn.class_id):
        return None  # most classes have none: the checks below cost more than this lookup
    if fn.params[0].name != attr.base.name or len(fn.bindings.get(attr.base.name, ())) != 1:
        return None  # not the first parameter, or rebound in the method
    if resolver.resolve(attr.base) != (InstanceV(ClassV(fn.class_id)),):
        return None  # a static or class method
    return fn.class_id


def overriding_methods(resolver: "Resolver", attr: ir.Attr, values: list[Value]) -> list[Value]:
    """The subclasses' overrides of a method `self.name` stands for, bound as it is (at most
    _MAX_OVERRIDES of them, as for an abstract method's returns)."""
    methods = [v for v in values if isinstance(v, FunctionV) and v.bound]
    class_id = self_class(resolver, attr) if methods else None
    if class_id is None:
        return []
    overrides = dict.fromkeys(method for _, method, _ in methods_below(resolver, class_id, attr.attr) if method)
    if len(overrides) > _MAX_OVERRIDES:  # `self.forward` of a base with a thousand models: not followed as a value
        return []
    return [FunctionV(method, v.bound, v.bound_keywords) for v in methods for method in overrides if method != v.func_id]


def as_called(resolver: "Resolver", func: ir.Sym, values) -> list[Value]:
    """What `self.run()` calls, as the values of `self.run` say, less the subclasses' overrides
    that overriding_methods added: a call dispatches to those in the runs that make their classes
    (calltargets.py), and its result is theirs only for an abstract method (override_returns)."""
    own = self_class(resolver, func) if isinstance(func, ir.Attr) else None
    if own is None:
        return list(values)
    below = set(resolver.containers.subclasses()[own])
    return [v for v in values if not (isinstance(v, FunctionV) and resolver.project.functions[v.func_id].class_id in below)]


def methods_below(resolver: "Resolver", class_id: str, name: str) -> list[tuple[str, str | None, bool]]:
    """(subclass, the method it runs for `name` where not the base's, whether it assigns the
    attribute itself) for each subclass that does either, once per (class, name) and kept while
    the classes resolve the same: a call on `self` of a base with a thousand subclasses is asked
    at every site."""
    memo = resolver.containers.methods_below
    key = (class_id, name)
    if key not in memo:
        below = ((sub, subclass_method(resolver, sub, name), name in resolver.project.classes[sub].instance_attributes)
                 for sub in resolver.containers.subclasses().get(class_id, ()))
        memo[key] = [entry for entry in below if entry[1] or entry[2]]
    return memo[key]


def subclass_method(resolver: "Resolver", class_id: str, name: str) -> str | None:
    """The project method an instance of a subclass runs for `name`, where it is not its base's:
    its own, or, for a class of several bases, the first its MRO holds (a sibling mixin's). A
    class of one base inherits the rest from the base's line, whose own overrides are asked of
    those subclasses themselves: no MRO walk for the thousands of models under one base."""
    info = resolver.project.classes[class_id]
    own = info.methods.get(name)
    if own is not None or len(info.bases) < 2:
        return own
    return next((method for cls in resolver.mro(class_id) if isinstance(cls, ClassV)
                 and (method := resolver.project.classes[cls.class_id].methods.get(name))), None)
