"""Build the project model: summarise the entry points and every project module they import.

Files are taken in waves: the entry points (sorted, so that the order they were named in does not
matter), then the project modules the previous wave imports. A wave is summarised as one batch,
in parallel and from the cache (summaries.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from sigcheck.loading.hydra_configs import compose_folders
from sigcheck.loading.sources import LoadError, is_file, read_python, resolve
from sigcheck.loading.summaries import Job, Summariser
from sigcheck.model import ir
from sigcheck.model.project import ProjectModel
from sigcheck.model.sys_paths import added_folders

_IMPORT_ALL = "import_all_modules"  # classy_vision.generic.registry_utils': imports every module of a package
_MAX_PACKAGE_MODULES = 200  # modules of one package a text ending in a dot may import
_MAX_MATCHED = 16  # modules a pattern of names (`app.*.train`) may stand for


def load_project(root: Path, entries: list[tuple[Path, str, str]], overlays: Mapping[Path, str] | None = None,
                 summariser: Summariser | None = None, search: Iterable[Path] = ()) -> ProjectModel:
    """`entries` are (path, display, reason). Files that fail become located errors. `overlays`
    (resolved path -> text) replace files on disk: an editor's unsaved documents. `search`: folders
    the project's launches put on the import path (their PYTHONPATH)."""
    project = ProjectModel(resolve(root))
    project.script_dirs = list(dict.fromkeys([*(resolve(path).parent for path, _, _ in entries), *search]))
    summariser = summariser or Summariser()
    wave: list[tuple[Path, str | None, str | None]] = sorted(
        ((resolve(path), display, reason) for path, display, reason in entries), key=lambda e: str(e[0]))
    while wave:
        wave = _load_wave(project, wave, overlays, summariser)
    return project


def _load_wave(project: ProjectModel, wave, overlays, summariser: Summariser):
    jobs, reasons, taken = [], [], set()
    for path, display, reason in wave:
        if path in project.by_path or path in taken:
            if reason and project.by_path.get(path):
                project.add_entry(project.by_path[path], reason)
            continue
        taken.add(path)
        try:
            source = read_python(path, display, overlays)
        except LoadError as error:
            _failed(project, path, error)
            continue
        name, is_package = project.module_name(path)
        jobs.append(Job(path, source.display, project.unique_name(name), is_package, source.text))
        reasons.append((reason, source))
    imported: list[tuple[Path, str | None, str | None]] = []
    for job, (reason, source), result in zip(jobs, reasons, summariser.run(jobs)):
        if isinstance(result, LoadError):
            _failed(project, job.path, result)
            continue
        project.add(result, source)
        if reason:
            project.add_entry(result.name, reason)
        _search_added_folders(project, result, job.path)
        imported.extend((found, None, None) for found in _imported_files(project, result.name))
    return imported


def _search_added_folders(project: ProjectModel, summary: ir.ModuleSummary, path: Path) -> None:
    """The folders a module puts on sys.path itself are searched for imports, as a script's own
    folder is (a whole run shares sys.path: the modules it imports find theirs there too)."""
    for folder in added_folders(summary, path):
        if folder != project.root and folder.is_relative_to(project.root):
            project.add_search_folder(folder)


def _imported_files(project: ProjectModel, importer: str) -> list[Path]:
    """The project files a module imports, then the scripts its strings name, which a child
    process may run (`subprocess.run([sys.executable, "worker.py"])`): whether they train is
    read from them, not guessed from their names."""
    found_files = []
    # `a.b.c` and `a.b.d` both ask for `a` and `a.b`: each name once, where it is first asked
    for prefix in dict.fromkeys(prefix for dotted in sorted(project.modules[importer].imports)
                                for prefix in _prefixes(dotted)):
        try:
            found = project.find_module_file(prefix, importer)
        except (OSError, ValueError):  # a name too long for a file name, say
            continue
        if found is not None and found not in project.by_path:
            found_files.append(found)
    return found_files + _named_scripts(project, importer) + _configured_modules(project, importer) \
        + _imported_by_name(project, importer) + _custom_imports(project, importer)


def _custom_imports(project: ProjectModel, module: str) -> list[Path]:
    """For a module that builds OpenMMLab runners from configuration files, the project modules
    those files' `custom_imports` name, which mmengine imports as it reads them (configured_types.py)."""
    if not project.modules[module].imports_any(["mmengine", "mmcv"]):
        return []
    return [path for name in project.configured_types.imported(project.python_files()) for prefix in _prefixes(name)
            if (path := _unread_module_file(project, prefix, module)) is not None]


def _imported_by_name(project: ProjectModel, module: str) -> list[Path]:
    """The project modules the dotted texts of a module that imports importlib name, which
    `importlib.import_module(path)` may load (ms-swift's TrainerFactory: `"swift.trainers.Seq2SeqTrainer"`
    split at its last dot, the class taken with getattr). A text that ends in a dot
    (`import_module("proj.steps." + f.stem)` over the folder's files) may name any module of that
    package; so may a package's name handed to classy_vision's `import_all_modules` (vissl's train
    steps, registered by decorators as the import-all runs them)."""
    summary = project.modules[module]
    importing = summary.imports_any(["importlib"])
    all_of = any(name.rsplit(".", 1)[-1] == _IMPORT_ALL for name in summary.imports)
    if not summary.dotted_texts or not (importing or all_of):
        return []
    found = []
    for text in sorted(summary.dotted_texts):
        if "*" in text:  # `f"app.{app}.train"`: the modules the pattern stands for, where importlib is imported
            found += _matching_modules(project, text, module) if importing else []
            continue
        if text.endswith("."):
            found += _package_modules(project, text[:-1], module) if importing else []
            continue
        found += [path for prefix in _prefixes(text) if (path := _unread_module_file(project, prefix, module)) is not None]
        found += _package_modules(project, text, module) if all_of else []
    return list(dict.fromkeys(found))


def _package_modules(project: ProjectModel, package: str, importer: str) -> list[Path]:
    """The package (and those on the way) and the modules beside its `__init__`, at most
    _MAX_PACKAGE_MODULES of them, not those named with a leading underscore."""
    found = [path for prefix in _prefixes(package) if (path := _unread_module_file(project, prefix, importer)) is not None]
    try:
        init = project.find_module_file(package, importer)
    except (OSError, ValueError):
        return found
    if init is None or init.name != "__init__.py" or project.root not in init.parents:
        return found
    try:
        names = sorted(entry.name for entry in os.scandir(init.parent) if entry.name.endswith(".py") and entry.is_file())
    except OSError:
        return found
    modules = [init.parent / name for name in names if not name.startswith("_")][:_MAX_PACKAGE_MODULES]
    return found + [resolve(path) for path in modules if resolve(path) not in project.by_path]


def _matching_modules(project: ProjectModel, template: str, importer: str) -> list[Path]:
    """The project files of the modules a pattern of names stands for (`app.*.train`: each
    subpackage of `app` with a `train` module), at most _MAX_MATCHED, with the packages on the way."""
    first, *rest = template.split(".")
    try:
        package = project.find_module_file(first, importer)
    except (OSError, ValueError):
        return []
    if package is None or package.name != "__init__.py" or project.root not in package.parents:
        return []
    folders, found = [package.parent], [package]
    for depth, part in enumerate(rest):
        last = depth == len(rest) - 1
        named = [f for folder in folders for f in _entries(folder)] if part == "*" else \
            [f / name for f in folders for name in (part, f"{part}.py")]
        files = [f for f in named if f.suffix == ".py" and is_file(f)] if last else []
        # a field last stands for the modules beside, as a text ending in a dot does (_package_modules)
        folders = [f for f in named if f.suffix != ".py" and is_file(f / "__init__.py")] if not (last and part == "*") else []
        found += [f / "__init__.py" for f in folders] + files
        if len(folders) > _MAX_MATCHED:
            return []
    matched = [resolve(path) for path in found[:_MAX_MATCHED * 2]]
    return [path for path in matched if project.root in path.parents and path not in project.by_path]


def _entries(folder: Path) -> list[Path]:
    """A folder's subfolders and Python files with names a module may have."""
    try:
        return sorted(folder / e.name for e in os.scandir(folder) if (e.name.isidentifier() or e.name.endswith(".py"))
                      and not e.name.startswith("_"))
    except OSError:
        return []


def _named_scripts(project: ProjectModel, module: str) -> list[Path]:
    """Where a child runs a script the strings name: beside the module or at the project root,
    as the child-process model looks for it (model/children.py); and the project's modules they
    run with `-m`, found as an import of them would be."""
    summary = project.modules[module]
    found = []
    for script in sorted(summary.scripts):
        for base in (Path(summary.path).parent, project.root):
            path = base / script
            if not is_file(path):
                continue
            path = resolve(path)
            if project.root in path.parents and path not in project.by_path:  # never a file outside the project
                found.append(path)
            break
    for name in sorted(summary.started_modules):  # `[sys.executable, "-m", "pkg.train"]`
        path = _unread_module_file(project, name, module)
        if path is not None:
            found.append(path)
    return found


def _unread_module_file(project: ProjectModel, name: str, importer: str) -> Path | None:
    """The project file (never one outside it) that importing `name` from `importer` loads, when not read yet."""
    try:
        path = project.find_module_file(name, importer)
    except (OSError, ValueError):  # a name too long for a file name, say
        return None
    return path if path is not None and project.root in path.parents and path not in project.by_path else None


def _configured_modules(project: ProjectModel, module: str) -> list[Path]:
    """The project modules a Hydra app's configuration names as `_target_`s, which
    `instantiate(cfg.trainer)` imports at run time: a trainer class nothing imports is still run
    (see ProjectModel.configured_classes). Also the packages on the way, as an import loads them."""
    summary = project.modules[module]
    if not summary.imports_any(["hydra"]):
        return []
    found = []
    for folder in [*_hydra_folders(summary), *compose_folders(summary, lambda name: _package_folder(project, name, module))]:
        project.hydra_folders[folder] = None
        for target in project.hydra_configs.targets(folder) or ():
            found += [path for prefix in _prefixes(target.qualname)[:-1]  # the last part is the class
                      if (path := _unread_module_file(project, prefix, module)) is not None]
    return list(dict.fromkeys(found))


def _hydra_folders(summary) -> list[Path]:
    """The folders the module's `@hydra.main(config_path="...")` decorators name, read from the
    decorators as written (`hydra.main` or `main` imported from hydra): the loader resolves nothing."""
    folders = []
    for fn in summary.functions.values():
        for decorator in fn.decorators:
            if not (isinstance(decorator, ir.CallOf) and _names_hydra_main(decorator.func, summary)):
                continue
            written = dict(decorator.kwargs).get("config_path", decorator.args[0] if decorator.args else None)
            if isinstance(written, ir.Const) and isinstance(written.value, str) and "://" not in written.value:
                folders.append(Path(os.path.normpath(Path(summary.path).parent / written.value)))
    return folders


def _package_folder(project: ProjectModel, name: str, importer: str) -> Path | None:
    """The folder of the project's package `name` (`initialize_config_module("sam2")`)."""
    try:
        path = project.find_module_file(name, importer)
    except (OSError, ValueError):
        return None
    return path.parent if path is not None and path.name == "__init__.py" else None


def _names_hydra_main(func: ir.Sym, summary) -> bool:
    if isinstance(func, ir.Attr):
        return func.attr == "main" and isinstance(func.base, ir.Name) and func.base.name == "hydra"
    return isinstance(func, ir.Name) and func.name == "main" and "hydra.main" in summary.imports


def _failed(project: ProjectModel, path: Path, error: LoadError) -> None:
    project.errors.append(error)
    project.by_path.setdefault(path, None)  # type: ignore[arg-type]


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]
