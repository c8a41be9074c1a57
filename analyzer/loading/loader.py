"""Build the project model: parse the entry points and every project module they import."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from sigcheck.loading.parsing import parse_python, too_deep
from sigcheck.loading.sources import LoadError, read_python, resolve
from sigcheck.model.builder import build_summary
from sigcheck.model.project import EntryPoint, ProjectModel


def load_project(root: Path, entries: list[tuple[Path, str, str]],
                 overlays: Mapping[Path, str] | None = None) -> ProjectModel:
    """`entries` are (path, display, reason). Files that fail become located errors. `overlays`
    (resolved path -> text) replace files on disk: an editor's unsaved documents."""
    project = ProjectModel(resolve(root))
    project.script_dirs = list(dict.fromkeys(resolve(path).parent for path, _, _ in entries))
    queue: list[tuple[Path, str | None]] = []
    for path, display, reason in entries:
        module = load_module(project, resolve(path), display, overlays)
        if module is not None:
            project.entry_points.append(EntryPoint(module, reason))
            queue.append((resolve(path), module))
    while queue:
        _, importer = queue.pop()
        for dotted in sorted(project.modules[importer].imports):
            for prefix in _prefixes(dotted):
                try:
                    found = project.find_module_file(prefix, importer)
                except (OSError, ValueError):  # a name too long for a file name, say
                    continue
                if found is None or found in project.by_path:
                    continue
                module = load_module(project, found, None, overlays)
                if module is not None:
                    queue.append((found, module))
    return project


def load_module(project: ProjectModel, path: Path, display: str | None,
                overlays: Mapping[Path, str] | None = None) -> str | None:
    if path in project.by_path:
        return project.by_path[path]
    try:
        source = read_python(path, display, overlays)
        tree = parse_python(source)
        name, is_package = project.module_name(path)
        if name in project.modules:  # two files with one dotted name: keep both apart
            name = f"{name}@{len(project.modules)}"
        try:
            summary = build_summary(tree, name, str(path), source.display, is_package)
        except RecursionError:
            raise too_deep(source, "cannot analyse") from None
    except LoadError as error:
        project.errors.append(error)
        project.by_path.setdefault(path, None)  # type: ignore[arg-type]
        return None
    project.add(summary, source)
    return name


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]
