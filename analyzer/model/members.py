"""A module's names, for the resolver: its own bindings, else what its `from x import *` lines
export (a package's `from .launch import *` rebinds `launch` over the submodule, as Python does),
else a submodule. Star searches are kept per (module, name): transformers' package __init__
files star-import hundreds of submodules, reached along many paths."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.values import UNKNOWN, ExternalV, ModuleV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel

_BUILTINS = frozenset(dir(builtins))


class ModuleMembers:
    """Mixed into Resolver, which provides resolve, attribute, _read and the tracking stack."""

    project: "ProjectModel"
    _star_found: dict
    _star_searches: set
    _star_cuts: int

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
        for binding in self.project.modules[module].body.bindings.get("*", ()):
            found = [v for module in self._imported(binding.value) for v in self.member(module, name)]
            if found and not all(isinstance(v, UnknownV) for v in found):
                return found
        return []

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
        exported = self._star_member(module.name, name)
        submodule = self.project.resolve_import(f"{module.name}.{name}", module.name)
        if submodule:  # unless `from .launch import *` rebinds `launch` to the function it exports
            return [v for v in exported if not isinstance(v, ModuleV)] or [ModuleV(submodule)]
        return exported or [UNKNOWN]

