"""What a class's attribute stands for, through its MRO: the first class that defines it (a
method, bound or not, a property's returns, a class attribute), and the values methods of any
class of the MRO assign to it on the instance (`self.x = ...`). A mixin of the Resolver, which
gives `resolve`, `mro` and `decorator_name`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, FunctionV, InstanceV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel

# Decorators that make reading the attribute run the method: `functools.cached_property` (and the
# `cached_property` package's) runs it on the first read, which is the read that matters here.
_PROPERTIES = frozenset({"property", "cached_property"})
# What declares a dataclass-like field with a default: on instances the field holds the default
_FIELD_MAKERS = frozenset({"dataclasses.field", "attr.ib", "attr.attrib", "attr.field", "attrs.field",
                           "pydantic.Field", "pydantic.fields.Field"})


class ClassMembers:
    project: "ProjectModel"
    _overriding: set[tuple[str, str]]  # abstract properties whose overrides are being resolved

    def _class_member(self, class_id: str, attr: str, bound: bool, skip_own: bool = False) -> list[Value]:
        order = self.mro(class_id)[1 if skip_own else 0:]
        found = self._first_member(order, attr, bound)
        if bound and not skip_own:  # `self.x = ...` in a method of any class in the MRO sets x on this instance
            for cls in order:
                info = self.project.classes[cls.class_id] if isinstance(cls, ClassV) else None
                if info is not None and attr in info.instance_attributes:
                    found += [v for sym in info.attributes[attr] for v in self.resolve(sym)]
        return found

    def _first_member(self, order: list[ClassV | ExternalV], attr: str, bound: bool) -> list[Value]:
        found = self._definition(order, attr)
        if isinstance(found, ExternalV):
            # A library class may define it, or leave it to the classes after it: a library mixin
            # first (`class MyTrainer(SomeMixin, Trainer)`) overrides a few methods, not `train`.
            later = self._first_member(order[order.index(found) + 1:], attr, bound)
            return [ExternalV(f"{found.qualname}.{attr}"), *(v for v in later if not isinstance(v, UnknownV))]
        if found is None:
            return self._stored_elsewhere(order, attr, bound) or [UnknownV(attr)]
        if attr in found.methods:
            fn = self.project.functions[found.methods[attr]]
            decorators = {self.decorator_name(d) for d in fn.decorators}
            skip = 0 if "staticmethod" in decorators else 1 if (bound or "classmethod" in decorators) else 0
            if decorators & _PROPERTIES:
                found_values = [v for r in fn.returns for v in self.resolve(r)]
                if not fn.returns:  # an abstract property, which raises: a subclass's is what is read
                    found_values = self._overriding_properties(found.id, attr)
                return found_values or [UnknownV(attr)]
            return [FunctionV(fn.id, bound=skip)]
        return [v for sym in found.attributes[attr] for v in self._class_attribute(sym, bound)]

    def _stored_elsewhere(self, order: list[ClassV | ExternalV], attr: str, bound: bool) -> list[Value]:
        """What code outside the class's methods assigns to the attribute of one of its instances
        (`cb.custom_save = partial(save_fn, model)`, NeMo-Aligner's; triage DC), or of the class
        itself: a function so stored is a method of its instances."""
        classes = {c.class_id for c in order if isinstance(c, ClassV)}
        found: list[Value] = []
        for base, value in self.project.attribute_stores().get(attr, ()):
            for owner in self.resolve(base):
                if isinstance(owner, InstanceV) and isinstance(owner.of, ClassV) and owner.of.class_id in classes:
                    found += self.resolve(value)
                elif isinstance(owner, ClassV) and owner.class_id in classes:
                    found += [FunctionV(v.func_id, bound=1) if bound and isinstance(v, FunctionV) and not v.bound else v
                              for v in self.resolve(value)]
        return list(dict.fromkeys(found))

    def _class_attribute(self, sym, bound: bool) -> list[Value]:
        """A class attribute's values; on an instance, a dataclass field's are its default's, or
        what its default factory makes (nerfstudio's `_target: Type = field(default_factory=lambda:
        Trainer)`, which `config.setup()` calls to build the trainer)."""
        call = sym.value if isinstance(sym, ir.Declared) else sym  # `_target: Type = field(...)`
        if bound and isinstance(call, ir.CallOf) and call.kwargs and not call.args \
                and any(isinstance(v, ExternalV) and v.qualname in _FIELD_MAKERS for v in self.resolve(call.func)):
            for name, value in call.kwargs:
                if name == "default":
                    return list(self.resolve(value))
                if name in ("default_factory", "factory"):
                    return list(self.resolve(ir.CallOf(value)))
        return list(self.resolve(sym))

    def _overriding_properties(self, class_id: str, attr: str) -> list[Value]:
        """The returns of the properties named `attr` that the class's project subclasses define
        (ultralytics' Model.task_map raises; YOLO's returns the trainer classes by task)."""
        if (class_id, attr) in self._overriding:
            return []  # asked again while being answered
        self._overriding.add((class_id, attr))
        try:
            base = ClassV(class_id)
            found: list[Value] = []
            for other, info in self.project.classes.items():
                getter = info.methods.get(attr)
                if other == class_id or getter is None or base not in self.mro(other)[1:]:
                    continue
                fn = self.project.functions[getter]
                if any(self.decorator_name(d) in _PROPERTIES for d in fn.decorators):
                    found += [v for r in fn.returns for v in self.resolve(r)]
            return found
        finally:
            self._overriding.discard((class_id, attr))

    def property_getter(self, class_id: str, attr: str) -> str | None:
        """The function that reading `attr` on an instance of the class runs, where the class of
        its MRO that defines `attr` defines it as a property (flags.py follows a flag read so)."""
        found = self._definition(self.mro(class_id), attr)
        if isinstance(found, ExternalV) or found is None or attr not in found.methods:
            return None
        fn = self.project.functions[found.methods[attr]]
        return fn.id if any(self.decorator_name(d) in _PROPERTIES for d in fn.decorators) else None

    def own_method(self, class_id: str, name: str) -> str | None:
        """The project function that `name` is on instances of the class: its own method, or a
        project base's before any library base (which may define it instead)."""
        found = self._definition(self.mro(class_id), name)
        return found.methods.get(name) if found is not None and not isinstance(found, ExternalV) else None

    def _definition(self, order: list[ClassV | ExternalV], attr: str):
        """The first class of `order` that defines `attr`: a library class (which may: its members
        are not known), or a project class's ClassInfo with the method or class attribute."""
        for cls in order:
            if isinstance(cls, ExternalV):
                return cls
            info = self.project.classes[cls.class_id]
            if attr in info.methods or attr in info.attributes:
                return info
        return None
