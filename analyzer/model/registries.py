"""Classes a configuration builds by the name a registry gave them: OpenMMLab's hooks.

mmengine (and mmpretrain, mmdet, mmseg built on it) builds a run's hooks from its configuration:
`custom_hooks = [dict(type='PreemptionHook')]` in a config file makes the runner look the name up
in its HOOKS registry, where `@HOOKS.register_module()` put the class, and build it. A runner
built from a configuration (`Runner.from_cfg(cfg)`, `RUNNERS.build(cfg)`; knowledge/spawning.toml,
[[registry-build]]) may so hold any hook class the project registers and one of its config files
names as a `type` (loading/configured_types.py), and calls its methods
(`before_train`, `after_train_iter`) as a callback's. A registry is known by its name as the code
spells it (`HOOKS`, whether mmengine's own or a project's `Registry('hook', parent=...)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

_REGISTERS = "register_module"


def registered_classes(project: "ProjectModel", resolver: "Resolver") -> dict[str, list[str]]:
    """Registry name -> the project classes registered with it, by decorator (`@HOOKS.register_module()`)
    or by call (`HOOKS.register_module(module=PreemptionHook)`)."""
    found: dict[str, list[str]] = {}
    for fn in project.functions.values():
        for event in fn.events:
            if isinstance(event, ir.CallSite):
                registry, classes = _registration(event, resolver)
                if registry is not None:
                    found.setdefault(registry, []).extend(c for c in classes if c in project.classes)
    return {name: list(dict.fromkeys(classes)) for name, classes in found.items() if classes}


def configured(project: "ProjectModel", registered: dict[str, list[str]]) -> dict[str, list[str]]:
    """Those registered classes a configuration entry of the project names as a `type`: mmengine
    builds no hook the run's configuration does not list (see loading/configured_types.py)."""
    names = {project.classes[c].qualname.rsplit(".", 1)[-1] for classes in registered.values() for c in classes}
    named = project.configured_types.named(names, project.python_files())
    if named is None:
        return registered
    return {registry: kept for registry, classes in registered.items()
            if (kept := [c for c in classes if project.classes[c].qualname.rsplit(".", 1)[-1] in named])}


def _registration(site: ir.CallSite, resolver: "Resolver") -> tuple[str | None, list[str]]:
    """(the registry's name, the class ids registered) of `@HOOKS.register_module()` above a
    class or `HOOKS.register_module(module=C)`."""
    if site.decorator:
        if isinstance(site.func, ir.CallOf) and site.args and isinstance(site.args[0], ir.FuncRef):
            return _registry(site.func.func), [site.args[0].func_id]
        return None, []
    registry = _registry(site.func)
    given = site.args[0] if site.args else dict(site.kwargs).get("module")
    if registry is None or given is None:
        return None, []
    return registry, [value.class_id for value in resolver.resolve(given) if isinstance(value, ClassV)]


def _registry(func: ir.Sym) -> str | None:
    """`HOOKS` of `HOOKS.register_module` or `mmengine.registry.HOOKS.register_module`."""
    if not (isinstance(func, ir.Attr) and func.attr == _REGISTERS):
        return None
    base = func.base
    if isinstance(base, ir.Name):
        return base.name
    return base.attr if isinstance(base, ir.Attr) else None
