"""Assignments as the summary builder records them: which scope a name binds in (`global`,
`nonlocal`, a class body), unpacking into tuples, and `self.x = ...` as an attribute of the
enclosing class. A mixin of the builder (builder.py), like imports.py and expressions.py.
"""

from __future__ import annotations

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.expressions import unpacked


class AssignmentBuilder:
    """Mixed into the summary builder: `self.fn`, `self.cls`, `self.summary`, `self.name`,
    `self.expr` and `self.emit` come from it."""

    def assign(self, target, value: ir.Sym, node, kind: str = "assign", bound: ir.Sym | None = None) -> None:
        """Bind `target` to `value` (to `bound` where given: what the name stands for, while the
        Assign event keeps the expression as written)."""
        if isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            star = next((i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)), None)
            items = value.items if isinstance(value, ir.Seq) else None
            for position, element in enumerate(elements):
                self.assign(element.value, unpacked(items, len(elements), star, position, value), node, kind)
            return
        if isinstance(target, cst.StarredElement):
            return self.assign(target.value, ir.Opaque("starred"), node, kind)
        if isinstance(target, cst.Name):
            name = target.value
            owner = self._owner(name)
            if owner is not self.fn:  # `global` or `nonlocal`: the value lands in the owner's scope
                owner.bind(name, kind, bound or value)
                sym = self.name(name, owner.id)
            elif self.cls is not None:  # a class attribute, not a name of the enclosing scope
                self.cls.attributes.setdefault(name, []).append(bound or value)
                sym = self.name(name, self.fn.id)
            else:
                self.fn.bind(name, kind, bound or value)
                sym = self.name(name, self.fn.id)
        else:
            sym = self.expr(target)
            if isinstance(sym, ir.Attr) and isinstance(sym.base, ir.Name) and sym.base.name == "self":
                owner = self._enclosing_class()
                if owner is not None:
                    owner.attributes.setdefault(sym.attr, []).append(bound or value)
                    owner.instance_attributes.add(sym.attr)
        self.emit(ir.Assign, node, target=sym, value=value)

    def _owner(self, name: str) -> ir.FunctionInfo:
        """The scope an assignment to `name` binds in: the module for `global`, the nearest
        enclosing function that binds it for `nonlocal`, else the current scope."""
        body = self.summary.functions[self.summary.body_id]
        if self.fn.kind == "module" or self.cls is not None:  # class body: a class attribute
            return self.fn
        if name in self.fn.globals:
            return body
        if name not in self.fn.nonlocals:
            return self.fn
        fallback = None
        scope = self.summary.functions.get(self.fn.parent) if self.fn.parent else None
        while scope is not None and scope.kind != "module":
            if name in scope.globals:
                return body
            if name not in scope.nonlocals:
                if name in scope.bindings:
                    return scope
                fallback = fallback or scope
            scope = self.summary.functions.get(scope.parent) if scope.parent else None
        return fallback or self.fn

    def _enclosing_class(self) -> ir.ClassInfo | None:
        class_id = self.fn.class_id
        return self.summary.classes.get(class_id) if class_id else None
