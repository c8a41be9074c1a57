"""sigcheck's own name resolution: symbols to values, across modules, without libcst metadata.

Resolution is flow-insensitive: a name bound several times may stand for each of its values.
Unknown stays unknown; nothing is guessed from spelling except that an external name called
with a capitalised last part (`threading.Event()`) makes an instance of it.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.values import (UNKNOWN, ClassV, ConstV, ExternalV, FunctionV, InstanceV, ModuleV,
                                   PartialV, SeqV, SuperV, UnknownV, Value)

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel

_BUILTINS = frozenset(dir(builtins))
_MAX_DEPTH = 12
_MAX_VALUES = 8


class Resolver:
    def __init__(self, project: "ProjectModel") -> None:
        self.project = project
        self._memo: dict[ir.Sym, tuple[Value, ...]] = {}
        self._active: set[ir.Sym] = set()

    # -- entry points ---------------------------------------------------------------------

    def resolve(self, sym: ir.Sym | None) -> tuple[Value, ...]:
        if sym is None:
            return (UNKNOWN,)
        cached = self._memo.get(sym)
        if cached is not None:
            return cached
        if sym in self._active or len(self._active) > _MAX_DEPTH * 4:
            return (UNKNOWN,)  # a cycle such as `x = x.parent`: give up on it, not on the run
        self._active.add(sym)
        try:
            values = _dedupe(self._resolve(sym))
        finally:
            self._active.discard(sym)
        self._memo[sym] = values
        return values

    def qualname(self, value: Value) -> str | None:
        """The dotted name knowledge patterns are matched against."""
        if isinstance(value, ExternalV):
            return value.qualname
        if isinstance(value, FunctionV):
            fn = self.project.functions[value.func_id]
            return f"{fn.module}.{fn.qualname}"
        if isinstance(value, ClassV):
            cls = self.project.classes[value.class_id]
            return f"{cls.module}.{cls.qualname}"
        if isinstance(value, UnknownV) and value.tail:
            return "?." + value.tail
        return None

    # -- symbols --------------------------------------------------------------------------

    def _resolve(self, sym: ir.Sym) -> Iterable[Value]:
        if isinstance(sym, ir.Name):
            return self.lookup(sym.name, sym.scope)
        if isinstance(sym, ir.Attr):
            return [v for base in self.resolve(sym.base) for v in self.attribute(base, sym.attr)]
        if isinstance(sym, ir.CallOf):
            return [v for func in self.resolve(sym.func) for v in self._call_result(func, sym)]
        if isinstance(sym, ir.Const):
            return [ConstV(sym.value)]
        if isinstance(sym, ir.FuncRef):
            return [ClassV(sym.func_id) if sym.func_id in self.project.classes else FunctionV(sym.func_id)]
        if isinstance(sym, ir.Seq):
            return [SeqV(tuple(self.resolve(item)[0] for item in sym.items))]
        if isinstance(sym, ir.Item):
            return self._item(sym)
        if isinstance(sym, ir.Imported):
            return self._imported(sym)
        if isinstance(sym, ir.Param):
            return self._param(sym)
        return [UNKNOWN]

    def lookup(self, name: str, scope: str) -> list[Value]:
        fn = self.project.functions.get(scope)
        while fn is not None:
            if name in fn.globals:
                fn = self.project.functions[self.project.modules[fn.module].body_id]
            bindings = fn.bindings.get(name)
            if bindings:
                return [v for binding in bindings for v in self._binding(binding)]
            if fn.kind == "module":
                return self._module_fallback(fn.module, name)
            fn = self.project.functions.get(fn.parent) if fn.parent else None
        return [UNKNOWN]

    def _module_fallback(self, module: str, name: str) -> list[Value]:
        body = self.project.modules[module].body
        for binding in body.bindings.get("*", ()):
            found = [v for module in self._imported(binding.value) for v in self.member(module, name)]
            if found and not all(isinstance(v, UnknownV) for v in found):
                return found
        if name in _BUILTINS:
            return [ExternalV("builtins." + name)]
        return [UNKNOWN]

    def _binding(self, binding: ir.Binding) -> Iterable[Value]:
        return self.resolve(binding.value)

    def _imported(self, sym: ir.Imported) -> list[Value]:
        """Every value the imported name is bound to in its module (`try: from .fast import f`
        `except ImportError: from .slow import f` re-exports both)."""
        target = self.project.resolve_import(sym.module, sym.importer)
        if sym.name is None:
            return [ModuleV(target) if target else ExternalV(sym.module)]
        if target is None:
            return [ExternalV(f"{sym.module}.{sym.name}")]
        return self.member(ModuleV(target), sym.name) or [UNKNOWN]

    def member(self, module: Value, name: str) -> list[Value]:
        if not isinstance(module, ModuleV):
            return list(self.attribute(module, name))
        summary = self.project.modules[module.name]
        if name in summary.body.bindings:
            return [v for b in summary.body.bindings[name] for v in self._binding(b)]
        submodule = self.project.resolve_import(f"{module.name}.{name}", module.name)
        if submodule:
            return [ModuleV(submodule)]
        fallback = self._module_fallback(module.name, name)
        return fallback if fallback != [ExternalV("builtins." + name)] else [UNKNOWN]

    def attribute(self, base: Value, attr: str) -> Iterable[Value]:
        if isinstance(base, ModuleV):
            return self.member(base, attr)
        if isinstance(base, ExternalV):
            return [ExternalV(f"{base.qualname}.{attr}")]
        if isinstance(base, ClassV):
            return self._class_member(base.class_id, attr, bound=False)
        if isinstance(base, SuperV):
            return self._class_member(base.class_id, attr, bound=True, skip_own=True)
        if isinstance(base, InstanceV):
            if isinstance(base.of, ClassV):
                return self._class_member(base.of.class_id, attr, bound=True)
            return [ExternalV(f"{base.of.qualname}.{attr}")]
        if isinstance(base, ConstV) and isinstance(base.value, str):
            return [ExternalV("builtins.str." + attr)]
        if isinstance(base, UnknownV):
            return [UnknownV(f"{base.tail}.{attr}" if base.tail else attr)]
        return [UnknownV(attr)]

    def _class_member(self, class_id: str, attr: str, bound: bool, skip_own: bool = False) -> list[Value]:
        for cls in self.mro(class_id)[1 if skip_own else 0:]:
            if isinstance(cls, ExternalV):
                return [ExternalV(f"{cls.qualname}.{attr}")]
            info = self.project.classes[cls.class_id]
            if attr in info.methods:
                fn = self.project.functions[info.methods[attr]]
                decorators = {self._decorator_name(d) for d in fn.decorators}
                skip = 0 if "staticmethod" in decorators else 1 if (bound or "classmethod" in decorators) else 0
                if "property" in decorators:
                    return [v for r in fn.returns for v in self.resolve(r)] or [UnknownV(attr)]
                return [FunctionV(fn.id, bound=skip)]
            if attr in info.attributes:
                return [v for sym in info.attributes[attr] for v in self.resolve(sym)]
        return [UnknownV(attr)]

    def mro(self, class_id: str) -> list[ClassV | ExternalV]:
        """Depth-first, left-to-right bases: enough for the single-inheritance code sigcheck sees."""
        order: list[ClassV | ExternalV] = []
        pending: list[Value] = [ClassV(class_id)]
        while pending and len(order) < 32:
            current = pending.pop(0)
            if current in order:
                continue
            if isinstance(current, ExternalV):
                order.append(current)
            elif isinstance(current, ClassV):
                order.append(current)
                info = self.project.classes[current.class_id]
                pending[0:0] = [v for base in info.bases for v in self.resolve(base)
                                if isinstance(v, (ClassV, ExternalV))]
        return order

    def _decorator_name(self, decorator: ir.Sym) -> str:
        values = self.resolve(decorator)
        name = self.qualname(values[0]) if values else None
        return (name or "").rsplit(".", 1)[-1]

    def _call_result(self, func: Value, call: ir.CallOf) -> list[Value]:
        if isinstance(func, ClassV):
            return [InstanceV(func)]
        if isinstance(func, ExternalV):
            if func.qualname == "builtins.super":
                return self._super(call)
            if func.qualname == "functools.partial" and call.args:
                keywords = frozenset(k for k, _ in call.kwargs)
                return [PartialV(v, len(call.args) - 1, keywords) for v in self.resolve(call.args[0])]
            last = func.qualname.rsplit(".", 1)[-1]
            if last[:1].isupper():
                return [InstanceV(func)]
            return [UnknownV()]
        if isinstance(func, FunctionV):
            returns = self.project.functions[func.func_id].returns
            return [v for r in returns[:_MAX_VALUES] for v in self.resolve(r)] or [UNKNOWN]
        return [UNKNOWN]

    def _super(self, call: ir.CallOf) -> list[Value]:
        """`super(C, self)` names its class; `super()` takes the class of the method it is in."""
        if call.args:
            return [SuperV(v.class_id) if isinstance(v, ClassV) else UNKNOWN for v in self.resolve(call.args[0])]
        fn = self.project.functions.get(call.func.scope) if isinstance(call.func, ir.Name) else None
        if fn is not None and fn.class_id is not None:
            return [SuperV(fn.class_id)]
        return [UNKNOWN]

    def _item(self, sym: ir.Item) -> list[Value]:
        result: list[Value] = []
        for base in self.resolve(sym.base):
            if isinstance(base, SeqV):
                if isinstance(sym.key, ir.Opaque):
                    result.extend(base.items)
                    continue
                key = self.resolve(sym.key)[0]
                if isinstance(key, ConstV) and isinstance(key.value, int) and -len(base.items) <= key.value < len(base.items):
                    result.append(base.items[key.value])
                    continue
            result.append(UNKNOWN)
        return result

    def _param(self, sym: ir.Param) -> list[Value]:
        fn = self.project.functions[sym.func_id]
        if sym.index == 0 and fn.class_id is not None and fn.kind == "function":
            decorators = {self._decorator_name(d) for d in fn.decorators}
            if "staticmethod" not in decorators:
                cls = ClassV(fn.class_id)
                return [cls if "classmethod" in decorators else InstanceV(cls)]
        values: list[Value] = []
        if sym.annotation is not None:
            for v in self.resolve(sym.annotation):
                if isinstance(v, (ClassV, ExternalV)):
                    values.append(InstanceV(v))
        if sym.default is not None:
            values.extend(v for v in self.resolve(sym.default) if not (isinstance(v, ConstV) and v.value is None))
        return values or [UNKNOWN]


def _dedupe(values: Iterable[Value]) -> tuple[Value, ...]:
    seen: dict[Value, None] = {}
    for value in values:
        seen.setdefault(value, None)
        if len(seen) >= _MAX_VALUES:
            break
    return tuple(seen) or (UNKNOWN,)
