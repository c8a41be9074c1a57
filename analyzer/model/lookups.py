"""Classes looked up by a name only the run knows: `globals()[name]`.

DomainBed's `get_algorithm_class(name)` returns `globals()[name]` from algorithms.py: the value is
one of the module's classes, which one the command line says. A lookup among more classes than an
item by an unknown key may be (containers.MAX_CHOICES) is one of them all the same where they
share a project base: an instance of it is one of its subclasses (calltargets: a base the project
never makes), whose overrides of the method called are what may run. Classes with no common base
stay unknown. (`getattr(module, name)` stays unknown: an unknown object's `opt.step()` is judged
by its name, a project class's by its body.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, Value

if TYPE_CHECKING:
    from sigcheck.model.resolve import Resolver


def module_globals_lookup(resolver: "Resolver", sym: ir.Item) -> list[Value] | None:
    """`globals()[key]`: the classes of the module the call is written in; None for any other item."""
    base = sym.base
    if not (isinstance(base, ir.CallOf) and isinstance(base.func, ir.Name) and base.func.name == "globals" and not base.args) \
            or not any(isinstance(v, ExternalV) and v.qualname == "builtins.globals" for v in resolver.resolve(base.func)):
        return None
    fn = resolver.project.functions.get(base.func.scope)
    return module_classes(resolver, fn.module) if fn is not None else []


def module_classes(resolver: "Resolver", module: str) -> list[Value]:
    """The public classes a project module defines at its top level."""
    summary = resolver.project.modules.get(module)
    if summary is None:
        return []
    body = summary.body_id
    return [ClassV(c.id) for c in summary.classes.values() if c.scope == body and "." not in c.qualname
            and not c.qualname.startswith("_")]


def common_base(resolver: "Resolver", classes: list[ClassV]) -> ClassV | None:
    """The nearest project class every one of `classes` is or inherits from, if any."""
    if not classes:
        return None
    shared = None
    for cls in classes:
        ancestors = [c for c in resolver.mro(cls.class_id) if isinstance(c, ClassV)]
        shared = ancestors if shared is None else [c for c in shared if c in ancestors]
    return shared[0] if shared else None
