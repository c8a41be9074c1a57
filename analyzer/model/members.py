"""A module's names, for the resolver: its own bindings, else what its `from x import *` lines
export (a package's `from .launch import *` rebinds `launch` over the submodule, as Python does),
else a submodule. Star searches are kept per (module, name): transformers' package __init__
files star-import hundreds of submodules, reached along many paths."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.values import UNKNOWN, ClassV, ConstV, ExternalV, InstanceV, ModuleV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.knowledge import PatternSet
    from sigcheck.model.project import ProjectModel

_BUILTINS = frozenset(dir(builtins))
_A_TEXT = InstanceV(ExternalV("builtins.str"))
_MAX_REEXPORTS = 8  # `from .a import f` in b, `from .b import f` in c...: followed this far


class ModuleMembers:
    """Mixed into Resolver, which provides resolve, attribute, _read and the tracking stack."""

    project: "ProjectModel"
    _may_call: dict  # (name, pattern sets) -> may_call_library's answer
    _star_found: dict
    _star_searches: set
    _star_cuts: int

    def binding_scope(self, name: str, scope: str) -> tuple[ir.FunctionInfo | None, list[ir.Binding]]:
        """Where `name`, read in `scope`, is looked up: the nearest scope binding it, with its
        bindings; else the module body, with none (a builtin, or a star import's); else nothing."""
        fn = self.project.functions.get(scope)
        while fn is not None:
            if name in fn.globals:
                fn = self.project.functions[self.project.modules[fn.module].body_id]
            bindings = fn.bindings.get(name)
            if bindings:
                return fn, bindings
            if fn.kind == "module":
                return fn, []
            fn = self.project.functions.get(fn.parent) if fn.parent else None
        return None, []

    def may_call_library(self, func: ir.Sym, *names: "PatternSet") -> bool:
        """Whether calling `func` may run a library function one of these pattern sets names,
        known without resolving it: `model.forward(...)` cannot be `subprocess.run`, nor can a
        bare name bound only to the project's own defs and classes (`train(...)`), nor a builtin
        named otherwise (`len(...)`). Most calls of a large package are let go this way."""
        if type(func) is ir.Attr:  # most calls: one set lookup per pattern set
            for patterns in names:
                if patterns.may_name(func.attr):
                    return True
            return False
        if type(func) is not ir.Name:
            return True
        key = (func, names)
        if key not in self._may_call:  # a name is called many times in a scope
            self._may_call[key] = any(n.may_name(func.name) for n in names) or self._bound_to_library(func, names)
        return self._may_call[key]

    def _bound_to_library(self, func: ir.Name, names: tuple["PatternSet", ...]) -> bool:
        owner, bindings = self.binding_scope(func.name, func.scope)
        if owner is None:
            return True
        if not bindings:  # a builtin, unless a star import binds the name
            return bool(self.project.modules[owner.module].body.bindings.get("*"))
        return any(self._may_bind_library(binding, names, 0) for binding in bindings)

    def _may_bind_library(self, binding: ir.Binding, names: tuple["PatternSet", ...], depth: int) -> bool:
        """Whether a name so bound may stand for a library function these patterns name: not a
        def or a class of the project, nor an import of one (followed through re-exports), nor
        a library function imported under another name than theirs (`from json import dump`)."""
        if binding.kind in ("def", "class"):
            return False
        imported = binding.value
        if binding.kind != "import" or not isinstance(imported, ir.Imported) or imported.name is None:
            return True
        target = self.project.resolve_import(imported.module, imported.importer)
        if target is None:  # a library's: it is named by its own name there, whatever it is called here
            return any(n.may_name(imported.name) for n in names)
        found = self.project.modules[target].body.bindings.get(imported.name)
        if not found or depth >= _MAX_REEXPORTS:  # a submodule, a star import's, a lazy module's
            return True
        return any(self._may_bind_library(b, names, depth + 1) for b in found)

    def _module_fallback(self, module: str, name: str) -> list[Value]:
        found = self._star_member(module, name)
        return found or [ExternalV("builtins." + name) if name in _BUILTINS else UNKNOWN]

    def _star_member(self, module: str, name: str) -> list[Value]:
        """What `name` is bound to in `module` by its `from x import *` lines ([]: by none). A
        package's __init__ of hundreds of star imports is searched once per name, not once per
        path that reaches it."""
        key = (module, name)
        kept = self._star_found.get(key)
        if kept is not None:
            self._read(kept[1])
            return list(kept[0])  # a copy: no caller can change what later searches are answered
        if key in self._star_searches:
            self._star_cuts += 1
            return []  # star imports in a cycle (a: `from b import *`, b: `from a import *`)
        cuts = self._star_cuts
        self._star_searches.add(key)
        self.begin_tracking()
        try:
            found = self._star_search(module, name)
        finally:
            self._star_searches.discard(key)
            keys = self.end_tracking()
            self._read(keys)
        if cuts == self._star_cuts:
            self._star_found[key] = (tuple(found), keys)
        return found

    def _star_search(self, module: str, name: str) -> list[Value]:
        """The last star import that binds the name wins, as in Python; a library's binds any name
        sigcheck asks of it, so one of the project's that binds it goes first (`from apex.fp16_utils
        import *` then `from training import *`: `train_loop` is the project's, triage CW)."""
        guessed: list[Value] = []
        for binding in reversed(self.project.modules[module].body.bindings.get("*", ())):
            found = [v for module in self._imported(binding.value) for v in self.member(module, name)]
            if not found or all(isinstance(v, UnknownV) for v in found):
                continue
            if self.project.resolve_import(binding.value.module, binding.value.importer) is not None:
                return found
            guessed = guessed or found
        return guessed

    def _binding(self, binding: ir.Binding) -> Iterable[Value]:
        return self.resolve(binding.value)

    def _imported(self, sym: ir.Imported) -> list[Value]:
        """Every value the imported name is bound to in its module (`try: from .fast import f`
        `except ImportError: from .slow import f` re-exports both)."""
        target = self.project.resolve_import(sym.module, sym.importer)
        if sym.name is None:
            return [ModuleV(target) if target else ExternalV(sym.module)]
        if target is None:
            # `from proj.utils import train_utils` where proj/utils/ holds no __init__.py: a namespace
            # package, which binds no names of its own, only its submodules (MaxText's utils/)
            submodule = self.project.resolve_import(f"{sym.module}.{sym.name}", sym.importer)
            return [ModuleV(submodule) if submodule else ExternalV(f"{sym.module}.{sym.name}")]
        if target == sym.importer:  # `from ultralytics.models.yolo import detect` in that package's __init__
            submodule = self.project.resolve_import(f"{target}.{sym.name}", target)
            if submodule:  # it binds its own submodule: the name is not bound there before
                return [ModuleV(submodule)]
        return self.member(ModuleV(target), sym.name) or [UNKNOWN]

    def member(self, module: Value, name: str) -> list[Value]:
        if not isinstance(module, ModuleV):
            return list(self.attribute(module, name))
        summary = self.project.modules[module.name]
        if name in summary.body.bindings:
            return [v for b in summary.body.bindings[name] for v in self._binding(b)]
        exported = self._star_member(module.name, name)
        submodule = self.project.resolve_import(f"{module.name}.{name}", module.name)
        if submodule:  # unless `from .launch import *` rebinds `launch` to the function it exports
            return [v for v in exported if not isinstance(v, ModuleV)] or [ModuleV(submodule)]
        return exported or [UNKNOWN]


    def attributes_named(self, call: ir.CallOf) -> list[tuple[ir.Sym, str]] | None:
        """`getattr(obj, "fit")`, or with a name the code passes in (`getattr(w, method_name)`, each
        caller naming a method): (obj, name) for each name it may be. None where a name is not a
        known text, or the call is no `getattr`."""
        if call.star or call.kwargs or len(call.args) not in (2, 3) or not self._may_be_getattr(call.func):
            return None
        # `method_name: str` adds an instance of str beside the texts the callers pass
        names = [v for v in self.resolve(call.args[1]) if v != _A_TEXT]
        if not names or not all(isinstance(name, ConstV) and isinstance(name.value, str) for name in names):
            return None
        return [(call.args[0], name.value) for name in names]

    def _may_be_getattr(self, func: ir.Sym) -> bool:
        return isinstance(func, ir.Name) and func.name == "getattr" \
            and any(isinstance(v, ExternalV) and v.qualname == "builtins.getattr" for v in self.resolve(func))

    def attribute_by_name(self, call: ir.CallOf) -> list[Value] | None:
        """What `getattr(obj, name[, default])` gives, where its names are known (attributes_named);
        where they are not, on a project object, each of its methods the name may spell."""
        named = self.attributes_named(call)
        if named is None:
            if call.star or call.kwargs or len(call.args) not in (2, 3) or not self._may_be_getattr(call.func):
                return None
            found = self._methods_spelled(call.args[0], call.args[1]) + self._modules_named(call)
        else:
            found = [v for base, name in named for value in self.resolve(base) for v in self.attribute(value, name)]
        return found + list(self.resolve(call.args[2])) if len(call.args) == 3 else found

    def _modules_named(self, call: ir.CallOf) -> list[Value]:
        """`getattr(module, process_dict[kind])` where some of the names are texts and others not
        known (ai-toolkit's table, handed in as `process_dict: dict`): the module's members the
        texts name, beside a value not known."""
        modules = [v for v in self.resolve(call.args[0]) if isinstance(v, ModuleV)]
        names = [v.value for v in self.resolve(call.args[1]) if isinstance(v, ConstV) and isinstance(v.value, str)]
        if not modules or not names:
            return []
        return [v for module in modules for name in names for v in self.attribute(module, name)] + [UNKNOWN]

    def _methods_spelled(self, base: ir.Sym, name: ir.Sym) -> list[Value]:
        """`getattr(model, mode)(**overrides)` (ultralytics' `yolo train`), `getattr(self,
        f"_on_{event}")`: the methods of the project object's class (its project bases' too) whose
        names begin and end as the name's written text does; without such text, its public ones."""
        prefix, suffix = _written_ends(name)
        found: list[Value] = []
        for value in self.resolve(base):
            if not (isinstance(value, InstanceV) and isinstance(value.of, ClassV)):
                continue
            names = dict.fromkeys(method for cls in self.mro(value.of.class_id) if isinstance(cls, ClassV)
                                  for method in self.project.classes[cls.class_id].methods)
            for method in names:
                if method.startswith(prefix) and method.endswith(suffix) and (prefix or not method.startswith("_")):
                    found.extend(self.attribute(value, method))
        return found


def _written_ends(name: ir.Sym) -> tuple[str, str]:
    """The text a name built at run time is written to begin and end with (`f"_on_{event}"`,
    `"do_" + task`); empty where none is written."""
    if isinstance(name, ir.FString) and name.parts:
        first, last = name.parts[0], name.parts[-1]
    elif isinstance(name, ir.BinOp) and name.op == "+":
        first, last = name.left, name.right
    else:
        return "", ""
    return _text(first), _text(last) if last is not first else ""


def _text(part: ir.Sym) -> str:
    return part.value if isinstance(part, ir.Const) and isinstance(part.value, str) else ""
