"""Hydra's configuration folder: the classes its YAML files name for `instantiate` to build.

`@hydra.main(config_path="../configs", config_name="train")` composes a job's configuration from
the YAML files under `config_path` (relative to the decorated function's module), and
`hydra.utils.instantiate(cfg.callbacks.checkpoint)` builds the class its node's `_target_` names.
Which files a run composes depends on the defaults lists and the command line, but every file it
can compose is in the folder: a class none of them names is built by no run (unless a command line
writes a `_target_` of its own, which no project's launch does in practice). A folder whose files
extend Hydra's search path (`hydra.searchpath`) may compose files from elsewhere: it is taken as
unknown, as is one with a file that cannot be read or parsed. Text only, nothing runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from typing import Callable

from sigcheck.loading.sources import LoadError, decode_text, display_path, read_bytes
from sigcheck.model import ir

_MAX_FILES = 2000  # a configuration folder larger than this is not one sigcheck vouches for
_MAX_DEPTH = 60  # nesting of mappings and lists followed in one file
_FALSE = frozenset({"false", "no", "off"})
_TRUE = frozenset({"true", "yes", "on"})


@dataclass(frozen=True)
class ConfiguredTarget:
    """A `_target_` one of the files names, with the node's other plain keys as written."""

    qualname: str
    keys: tuple[tuple[str, bool | str | None], ...]  # ("save_on_exception", True); an interpolation stays text
    place: tuple[str, ...]  # the file's folders and name below the configuration folder, then the keys to the node
    display: str
    line: int

    def key(self, name: str) -> bool | str | None:
        return dict(self.keys).get(name)


@dataclass
class HydraConfigs:
    """The targets of each configuration folder asked about, read once."""

    read: dict[Path, None] = field(default_factory=dict)  # every file and folder read, for the run cache
    _folders: dict[Path, list[ConfiguredTarget] | None] = field(default_factory=dict)

    def targets(self, folder: Path) -> list[ConfiguredTarget] | None:
        """Every target the YAML files under `folder` name; None where they cannot all be read,
        or may compose files from elsewhere."""
        if folder not in self._folders:
            self._folders[folder] = self._read(folder)
        return self._folders[folder]

    def inputs(self) -> list[Path]:
        return list(self.read)

    def _read(self, folder: Path) -> list[ConfiguredTarget] | None:
        files = _yaml_files(folder, self.read)
        if files is None:
            return None
        found: list[ConfiguredTarget] = []
        overrides: list[_Override] = []
        for path in files:
            self.read[path] = None
            targets = _file_targets(path, (*path.relative_to(folder).parent.parts, path.stem), overrides)
            if targets is None:
                return None
            found += targets
        return found + _composed(found, overrides)


@dataclass(frozen=True)
class _Override:
    """A node with no `_target_` in a file whose defaults list names other files of its group:
    what the file sets, merged over theirs or under them as `_self_` comes after or before."""

    place: tuple[str, ...]
    keys: tuple[tuple[str, bool | str | None], ...]
    composes: tuple[str, ...]  # its defaults list: the files of its group it names, and `_self_` in its place
    display: str
    line: int


def _composed(targets: list[ConfiguredTarget], overrides: list[_Override]) -> list[ConfiguredTarget]:
    """The targets as a file that lists theirs in its defaults composes them: lightning-hydra-
    template's callbacks/default.yaml sets `save_on_exception: true` on the `model_checkpoint`
    node that callbacks/model_checkpoint.yaml builds. Each is a target of its own, beside the
    file's: a run may compose that file alone."""
    found = []
    for override in overrides:
        group, node = override.place[:-2], override.place[-1:]  # the file's folders; the node below the file
        for target in targets:
            stem = target.place[len(group): len(group) + 1]
            if target.place[: len(group)] == group and stem and stem[0] in override.composes \
                    and stem[0] != "_self_" and target.place[len(group) + 1:] == node:
                first, last = (target.keys, override.keys) if override.composes.index(stem[0]) < \
                    override.composes.index("_self_") else (override.keys, target.keys)
                keys = {**dict(first), **dict(last)}
                found.append(ConfiguredTarget(target.qualname, tuple(keys.items()), target.place, override.display, override.line))
    return found


def _yaml_files(folder: Path, read: dict[Path, None]) -> list[Path] | None:
    """The YAML files below `folder`, in a stable order; None when it is no readable folder or holds
    too many. Every folder walked is an input: a file added to one changes the answer."""
    if not folder.is_dir():
        return None
    found: list[Path] = []
    failed = []
    for directory, subdirs, names in os.walk(folder, onerror=failed.append, followlinks=False):
        read[Path(directory)] = None
        subdirs.sort()
        found += [Path(directory) / name for name in sorted(names) if name.endswith((".yaml", ".yml"))]
        if len(found) > _MAX_FILES:
            return None
    return None if failed else found


def _file_targets(path: Path, place: tuple[str, ...], overrides: list[_Override]) -> list[ConfiguredTarget] | None:
    import yaml  # here: most runs read no configuration

    display = display_path(path)
    try:
        text = decode_text(read_bytes(path, display), display)
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except (LoadError, yaml.YAMLError, RecursionError, ValueError):
        return None
    found: list[ConfiguredTarget] = []
    for document in documents:
        if document is not None and not _collect(document, place, display, found):
            return None
        if isinstance(document, yaml.MappingNode):
            overrides += _overrides(document, place, display)
    return found


def _overrides(document, place: tuple[str, ...], display: str) -> list[_Override]:
    """The top-level nodes with no `_target_` of a file with a defaults list (see _Override)."""
    import yaml

    plain = {key.value: value for key, value in document.value if isinstance(key, yaml.ScalarNode)}
    listed = plain.get("defaults")
    if not isinstance(listed, yaml.SequenceNode):
        return []
    entries = [item.value for item in listed.value if isinstance(item, yaml.ScalarNode)]
    composes = tuple(entries if "_self_" in entries else (*entries, "_self_"))  # Hydra's default: the file last
    found = []
    for name, node in plain.items():
        if name == "defaults" or not isinstance(node, yaml.MappingNode):
            continue
        keys = {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
        if "_target_" not in keys:
            scalars = tuple((k, _scalar(v)) for k, v in keys.items() if isinstance(v, yaml.ScalarNode))
            found.append(_Override((*place, name), scalars, composes, display, node.start_mark.line + 1))
    return found


def _collect(node, place: tuple[str, ...], display: str, found: list[ConfiguredTarget], depth: int = 0) -> bool:
    """Add the targets under `node`, at `place`; False where the file extends the search path or
    nests too deep."""
    import yaml

    if depth > _MAX_DEPTH:
        return False
    if isinstance(node, yaml.SequenceNode):
        return all(_collect(item, place, display, found, depth + 1) for item in node.value)
    if not isinstance(node, yaml.MappingNode):
        return True
    plain = {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
    if "searchpath" in plain:
        return False  # `hydra: searchpath: [pkg://...]`: files from elsewhere may be composed
    target = plain.get("_target_")
    if isinstance(target, yaml.ScalarNode) and target.value:
        keys = tuple((name, _scalar(value)) for name, value in plain.items()
                     if name != "_target_" and isinstance(value, yaml.ScalarNode))
        found.append(ConfiguredTarget(target.value, keys, place, display, target.start_mark.line + 1))
    return all(_collect(value, (*place, str(key.value)), display, found, depth + 1) for key, value in node.value)


def _scalar(node) -> bool | str | None:
    """A YAML scalar as a switch reads it: a boolean, null, or the text (an interpolation such as
    `${oc.env:SAVE}` is text: its value is not known here)."""
    text = node.value
    if node.style is None and text.lower() in _TRUE:
        return True
    if node.style is None and text.lower() in _FALSE:
        return False
    if node.style is None and text in ("", "~", "null", "Null", "NULL"):
        return None
    return text


# Hydra's compose API: the call that names the configuration folder, and the keyword that does
_INITIALIZERS = {"initialize": "config_path", "initialize_config_module": "config_module",
                 "initialize_config_dir": "config_dir"}


def compose_folders(summary: ir.ModuleSummary, package_folder: Callable[[str], Path | None]) -> list[Path]:
    """The configuration folders a module's calls of Hydra's compose API name, as written:
    `initialize(config_path="configs")` (relative to the module's folder, as Hydra takes it),
    `initialize_config_module("sam2")` (the package's folder: `package_folder` finds it) and
    `initialize_config_dir(config_dir=...)`. `compose(config_name=...)` then composes from there
    (sam2's training/train.py)."""
    folders = []
    for fn in summary.functions.values():
        for event in fn.events:
            called = _initializer(event.func, summary) if isinstance(event, ir.CallSite) else None
            if called is None:
                continue
            written = dict(event.kwargs).get(_INITIALIZERS[called], event.args[0] if event.args else None)
            if not (isinstance(written, ir.Const) and isinstance(written.value, str)) or "://" in written.value:
                continue
            if called == "initialize_config_module":
                folder = package_folder(written.value)
            else:
                folder = Path(os.path.normpath(Path(summary.path).parent / written.value))
            if folder is not None:
                folders.append(folder)
    return folders


def _initializer(func: ir.Sym, summary: ir.ModuleSummary) -> str | None:
    """`initialize` of `hydra.initialize(...)`, or of `initialize(...)` imported from hydra."""
    name = func.attr if isinstance(func, ir.Attr) else func.name if isinstance(func, ir.Name) else None
    if name not in _INITIALIZERS:
        return None
    if isinstance(func, ir.Attr):
        return name if isinstance(func.base, ir.Name) and func.base.name == "hydra" else None
    return name if any(f"{module}.{name}" in summary.imports for module in ("hydra", "hydra.experimental")) else None
