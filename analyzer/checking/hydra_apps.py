"""The Hydra configuration a run composes, and which callbacks it can build from it.

A run that goes through `@hydra.main(config_path="../configs", ...)` builds what its YAML files
name (`hydra.utils.instantiate(cb_conf)`). The callbacks among those targets are the ones under a
`callbacks` group folder (`configs/callbacks/model_checkpoint.yaml`) or a `callbacks` key (a
trainer file's own list), as lightning-hydra-template and the projects built on it keep them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sigcheck.loading.hydra_configs import ConfiguredTarget, compose_folders
from sigcheck.loading.sources import display_path
from sigcheck.model import ir
from sigcheck.model.values import ConstV, ExternalV

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.entries import EntryFacts

_HYDRA_MAIN = frozenset({"hydra.main", "hydra.main.main"})
_CALLBACKS = "callbacks"


@dataclass(frozen=True)
class HydraApp:
    """The configuration folder of a run's `@hydra.main`, and the targets its files name."""

    folder: Path
    targets: tuple[ConfiguredTarget, ...]

    @property
    def display(self) -> str:
        return display_path(self.folder)

    def callbacks(self) -> list[ConfiguredTarget]:
        return [target for target in self.targets if _CALLBACKS in target.place]


def hydra_app(analysis: "Analysis", entry: "EntryFacts") -> HydraApp | None:
    """The Hydra app the run's main path goes through, with every file of its configuration read;
    None where it has none, or one whose folder sigcheck cannot name or read whole (a
    `config_path` from a variable, a package's `pkg://` path, a search path extended)."""
    folders = {folder for func_id in sorted(entry.main.listed) for decorator in analysis.functions[func_id].decorators
               if (folder := _config_folder(analysis, func_id, decorator)) is not None}
    if not folders:  # the compose API (`initialize_config_module("sam2")`, then `compose(...)`): the loader read its folders
        modules = {analysis.functions[func_id].module for func_id in entry.main.listed}
        folders = {folder for folder in analysis.project.hydra_folders
                   if any(folder in _compose_folders(analysis, module) for module in modules)}
    if len(folders) != 1 or False in folders:
        return None
    folder = folders.pop()
    targets = analysis.hydra_configs.targets(folder)
    return None if targets is None else HydraApp(folder, tuple(targets))


def _compose_folders(analysis: "Analysis", module: str) -> list[Path]:
    return compose_folders(analysis.project.modules[module], lambda name: _package(analysis, name, module))


def _package(analysis: "Analysis", name: str, importer: str) -> Path | None:
    found = analysis.project.resolve_import(name, importer)
    source = analysis.project.sources.get(found) if found else None
    return source.path.parent if source is not None and source.path.name == "__init__.py" else None


def _config_folder(analysis: "Analysis", func_id: str, decorator: ir.Sym) -> Path | bool | None:
    """The folder a `@hydra.main(config_path=...)` decorator names, relative to its module's;
    False for a Hydra app whose folder is not written out; None for another decorator."""
    if not isinstance(decorator, ir.CallOf) or not any(
            isinstance(v, ExternalV) and v.qualname in _HYDRA_MAIN for v in analysis.resolver.resolve(decorator.func)):
        return None
    written = dict(decorator.kwargs).get("config_path", decorator.args[0] if decorator.args else None)
    values = analysis.resolver.resolve(written) if written is not None else ()
    if len(values) != 1 or not isinstance(values[0], ConstV) or not isinstance(values[0].value, str) \
            or "://" in values[0].value:
        return False
    source = analysis.project.sources.get(analysis.functions[func_id].module)
    if source is None:
        return False
    return Path(os.path.normpath(source.path.parent / values[0].value))
