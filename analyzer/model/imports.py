"""Import statements in a summary: bindings for name resolution, and the modules to load."""

from __future__ import annotations

import libcst as cst

from sigcheck.model import ir


class ImportBuilder:
    """Mixed into the summary builder: `self.fn`, `self.summary` and `self.emit` come from it."""

    def _s_Import(self, node: cst.Import) -> None:
        modules = []
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            modules.append(dotted)
            if alias.asname is not None:
                self.fn.bind(_as_name(alias), "import", ir.Imported(dotted, None, self.summary.name))
            else:
                top = dotted.split(".")[0]
                self.fn.bind(top, "import", ir.Imported(top, None, self.summary.name))
        self._imported(node, modules)

    def _s_ImportFrom(self, node: cst.ImportFrom) -> None:
        base = self._absolute_from(node)
        if base is None:
            return
        if isinstance(node.names, cst.ImportStar):
            self.fn.bind("*", "import", ir.Imported(base, None, self.summary.name))
            return self._imported(node, [base], relative=bool(node.relative))
        modules = []
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else None
            if name is None:
                continue
            if base:
                modules += [base, f"{base}.{name}"]  # the name may be a submodule
                imported = ir.Imported(base, name, self.summary.name)
            else:  # `from . import x` above every package: the module x next to the script
                modules.append(name)
                imported = ir.Imported(name, None, self.summary.name)
            self.fn.bind(_as_name(alias) or name, "import", imported)
        self._imported(node, modules, relative=bool(node.relative))

    def _imported(self, node, modules: list[str], relative: bool = False) -> None:
        if modules:
            self.summary.imports.update(modules)  # loaded either way: annotations name their classes
            if relative:
                self.summary.relative_imports.update(modules)
            if not self.type_checking_only:  # an import under `if TYPE_CHECKING:` never runs
                self.emit(ir.Import, node, modules=tuple(dict.fromkeys(modules)))

    def _absolute_from(self, node: cst.ImportFrom) -> str | None:
        module = _dotted(node.module) if node.module is not None else ""
        if module is None:
            return None
        level = len(node.relative)
        if level == 0:
            return module
        parts = self.summary.name.split(".")
        if not self.summary.is_package:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return module or None
        parts = parts[: len(parts) - (level - 1)]
        return ".".join(p for p in [*parts, module] if p)


def _dotted(node) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _as_name(alias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value
