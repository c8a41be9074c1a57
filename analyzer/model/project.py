"""The project model: every analysed module, its summary, and how imports map onto them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sigcheck.loading.configured_types import ConfiguredTypes
from sigcheck.loading.hydra_configs import HydraConfigs
from sigcheck.loading.sources import LoadError, SourceFile, is_file, resolve
from sigcheck.model import ir
from sigcheck.model.jobs import is_test
from sigcheck.model.listing import SKIPPED_DIRS, list_python_files

@dataclass(frozen=True)
class EntryPoint:
    module: str
    reason: str  # why sigcheck treats it as an entry point, shown in traces


@dataclass
class ProjectModel:
    root: Path
    modules: dict[str, ir.ModuleSummary] = field(default_factory=dict)
    functions: dict[str, ir.FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ir.ClassInfo] = field(default_factory=dict)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    documents: dict[str, SourceFile] = field(default_factory=dict)  # non-Python files, by display path
    entry_points: list[EntryPoint] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    by_path: dict[Path, str] = field(default_factory=dict)
    script_dirs: list[Path] = field(default_factory=list)
    programs: dict[str, str] = field(default_factory=dict)  # a console script's name -> its program's module
    shell_starts: dict[Path, list[Path]] = field(default_factory=dict)  # a shell script -> the scripts it launches
    launch_arguments: dict[str, list[tuple[str | None, ...]]] = field(default_factory=dict)  # script -> each launch's argv
    embedded: frozenset[Path] = frozenset()  # scripts shown in the file that writes them (a notebook's cells)
    hydra_configs: HydraConfigs = field(default_factory=HydraConfigs)  # the Hydra apps' folders, read by the loader
    hydra_folders: dict[Path, None] = field(default_factory=dict)  # those the loader read for the classes they configure
    configured_types: ConfiguredTypes = field(default_factory=ConfiguredTypes)  # the `type`s config files name (registries.py)
    _configured: dict[str, tuple[tuple[str, ...], bool]] = field(default_factory=dict)  # see configured_classes
    _imports: dict[tuple[str, str], str | None] = field(default_factory=dict)
    _found: dict[tuple[str, bool], Path | None] = field(default_factory=dict)  # (name, outside tests) -> its file
    _searched: dict[tuple[str, str], Path | None] = field(default_factory=dict)  # (name, _search_place's text)
    _places: dict[str, tuple[Path | None, Path | None, str]] = field(default_factory=dict)  # see _search_place
    _homes: dict[Path, Path | None] = field(default_factory=dict)  # a folder -> its package home (_package_home)
    _dotted: dict[Path, str] = field(default_factory=dict)  # a file -> its dotted name from the root
    _package_bases: dict[tuple[str, str], Path | None] = field(default_factory=dict)  # see _own_package_base
    _to_root: dict[str, list[Path]] = field(default_factory=dict)  # a folder -> it and those above it
    _reals: dict[str, Path | None] = field(default_factory=dict)  # candidate file -> its real path in the project
    _search_folders: tuple[list[Path], dict[str, int], int] | None = None  # see _search_path
    _entry_modules: set[str] = field(default_factory=set)
    _script_set: set[Path] = field(default_factory=set)
    _tails: dict[str, list[str]] | None = None  # listed files by last part: "nn.py", "nn/__init__.py"
    _listing: set[str] | bool | None = None
    _stores: tuple[int, dict[str, list[tuple[ir.Sym, ir.Sym]]]] | None = None  # see attribute_stores
    _names: set[str] = field(default_factory=set)

    def add(self, summary: ir.ModuleSummary, source: SourceFile) -> None:
        self.modules[summary.name] = summary
        self.functions.update(summary.functions)
        self.classes.update(summary.classes)
        self.sources[summary.name] = source
        self.by_path[source.path] = summary.name

    def add_entry(self, module: str, reason: str) -> None:
        if module not in self._entry_modules:
            self._entry_modules.add(module)
            self.entry_points.append(EntryPoint(module, reason))

    def add_search_folder(self, folder: Path) -> None:
        """A folder a module puts on sys.path itself (sys_paths.py), searched as a script's: names not found may be there."""
        if folder not in self.script_dirs:
            self.script_dirs.append(folder)
            self._searched.clear()
            self._found.clear()

    def unique_name(self, name: str) -> str:
        """`name`, or `name@N` when another file already has it: keep both apart."""
        if name in self._names:
            name = f"{name}@{len(self._names)}"
        self._names.add(name)
        return name

    def module_name(self, path: Path) -> tuple[str, bool]:
        """Dotted name of a file relative to the project root, and whether it is a package."""
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            relative = Path(path.name)
        parts = list(relative.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        parts = (parts[:-1] or [self.root.name or "root"]) if is_package else parts
        return ".".join(parts), is_package

    def class_named(self, qualname: str, depth: int = 0) -> str | None:
        """The project class a dotted name (a `_target_`: `src.callbacks.ema.EMA`) names, if its module
        was read; through a package's re-export too (`pkg.callbacks.GradNormMonitor`: fish-speech's)."""
        parts = qualname.split(".")
        ids = (f"{'.'.join(parts[:cut])}:{'.'.join(parts[cut:])}" for cut in range(len(parts) - 1, 0, -1))
        found = next((class_id for class_id in ids if class_id in self.classes), None)
        module = self.modules.get(".".join(parts[:-1])) if found is None and depth < 4 else None
        bindings = self.functions[module.body_id].bindings.get(parts[-1], ()) if module is not None else ()
        imported = [b.value for b in bindings if isinstance(b.value, ir.Imported) and b.value.name]
        return self.class_named(f"{imported[0].module}.{imported[0].name}", depth + 1) if len(imported) == 1 else found

    def configured_classes(self, name: str) -> tuple[tuple[str, ...], bool]:
        """The project classes the Hydra configuration names as the `_target_` of a node under
        `name`: a file of the `trainer` group (`configs/trainer/default.yaml`) or a `trainer:` key,
        what `instantiate(cfg.trainer)` may build; and whether every target there is one of them."""
        if name not in self._configured:  # from the loader's folders: not those a rule reads later
            targets = (t for folder in self.hydra_folders for t in self.hydra_configs.targets(folder) or () if name in t.place)
            named = [self.class_named(t.qualname) for t in targets]
            self._configured[name] = (tuple(dict.fromkeys(c for c in named if c is not None)), None not in named)
        return self._configured[name]

    def find_module_file(self, dotted: str, importer: str | None) -> Path | None:
        """The project file `import dotted` loads, searched as Python would from a script.

        A script's folder is on its import path, so a module in a script's folder finds its
        neighbours first; then every script folder, the root and root/src. A module inside a
        package does not have its folder on the path (Python 3 has no implicit relative
        imports): its folder is searched last, for code that puts it on sys.path itself. The
        common part of the search is done once per name: trees with hundreds of script folders
        import thousands of names."""
        if self._listed_nowhere(dotted):
            return None
        folder, home, parent, place = self._search_place(importer)
        key = (dotted, place)
        if key not in self._searched:  # each module of a folder asks for the same names
            self._searched[key] = self._search(dotted, folder, home, parent)
        found = self._searched[key]
        if found is not None and self._imported_by_its_name(importer, dotted, found):
            return self._search_elsewhere(dotted, found)
        return found

    def _listed_nowhere(self, dotted: str) -> bool:
        """No listed file ends as the module would (`torch.nn.functional`: no `functional.py`, no
        `functional/__init__.py`), so no folder holds it: most names a module imports are
        libraries', and each was otherwise looked for from every folder that imports it."""
        if not isinstance(self.python_files(), set):
            return False
        last = dotted.rsplit(".", 1)[-1]
        tails = self._by_tail
        return f"{last}.py" not in tails and f"{last}/__init__.py" not in tails

    def _search_place(self, importer: str | None) -> tuple[Path | None, Path | None, Path | None, str]:
        """The importer's own folder (none for a package's `__init__`), package home and file's
        folder, and a text that stands for them: a key of strings hashes and compares far faster
        than one of Paths, and this is asked for every name every module imports."""
        if importer not in self.sources:
            return None, None, None, ""
        if importer not in self._places:
            folder, home = self._own_folder(importer), self._package_home(importer)
            parent = self.sources[importer].path.parent
            self._places[importer] = (folder, home, parent, f"{folder}\0{home}\0{parent}")
        return self._places[importer]

    def _imported_by_its_name(self, importer: str | None, dotted: str, found: Path) -> bool:
        """`import big_vision.optax as bv_optax` beside `import optax`: the module imports that
        file by its own name, so the bare name is another module (the library), not the same
        file imported twice under two names. So does importing from inside it (`import ray`
        beside `from openrlhf.trainer.ray.launcher import RayActorGroup`: Ray itself). A relative
        import spells no name (`from .net import Net` beside `from pts.model import Estimator`)."""
        summary = self.modules.get(importer) if importer else None
        if summary is None or not summary.imports:
            return False
        name = self.by_path.get(found) or self._dotted.get(found)  # loaded: its name, made unique
        if name is None:
            name = self._dotted[found] = self.module_name(found)[0]
        # In a src layout src/pkg/x.py is `src.pkg.x`, and `import pkg.x` finds it on src/: one module, two names.
        relative = summary.relative_imports
        return name != dotted and name != f"src.{dotted}" and any(
            (imported == name or imported.startswith(f"{name}.")) and imported not in relative for imported in summary.imports)

    def _search_elsewhere(self, dotted: str, shadowed: Path) -> Path | None:
        """Such a module runs from the root (`python -m big_vision.train`): other scripts'
        folders are not on its path."""
        return next((found for base in (self.root, self.root / "src")
                     if (found := self._find_in(dotted, base)) is not None and found != shadowed), None)

    def _own_folder(self, importer: str) -> Path | None:
        """The folder of a module that is not a package's `__init__`, searched for its imports."""
        return None if self.modules[importer].is_package else self.sources[importer].path.parent

    def _package_home(self, importer: str) -> Path | None:
        """The nearest folder above the importer, below the root, with a setup.py or a
        pyproject.toml: a package installed from a subfolder (`pip install -e pytorch/`) imports
        as if that folder were on the path (MLPerf's maskrcnn: pytorch/tools/train_net.py imports
        maskrcnn_benchmark from pytorch/)."""
        folder = self.sources[importer].path.parent
        if folder not in self._homes:
            self._homes[folder] = next((above for above in (folder, *folder.parents)
                                        if above != self.root and above.is_relative_to(self.root)
                                        and self._holds_package_setup(above)), None)
        return self._homes[folder]

    def _holds_package_setup(self, folder: Path) -> bool:
        return self._exists(f"{folder}/setup.py") or is_file(folder / "pyproject.toml")

    def _search(self, dotted: str, folder: Path | None, home: Path | None = None, parent: Path | None = None) -> Path | None:
        if folder is not None and folder in self._script_folders:
            found = self._find_in(dotted, folder)
            if found is not None:
                return found
        own = self._own_package_base(dotted, parent) if parent is not None and self._exists(f"{parent}/__init__.py") else None
        if own is not None:  # `from trainer import experiment` inside the package trainer/: its own, not a namesake elsewhere
            found = self._find_in(dotted, own)
            if found is not None:
                return found
        for above in self._script_folders_above(parent):  # the entry point beside or above it runs with its folder on the path
            found = self._find_in(dotted, above)
            if found is not None:
                return found
        # A test folder on the path serves only the tests' own runs: NeMo's tests/lightning/ is no
        # `lightning` for nemo/, which imports the library (a test's folder is a script folder once named)
        key = (dotted, parent is not None and not _is_test_folder(parent, self.root))
        if key not in self._found:
            self._found[key] = next((f for base in self._bases_holding(dotted) if not (key[1] and _is_test_folder(base, self.root))
                                     and (f := self._find_in(dotted, base))), None)
        found = self._found[key]
        # a package's own folder is no place `import x` looks (Python 3): scenic's train_lib/optax.py is
        # no `optax` for its neighbours; a module outside any package may put its folder on sys.path
        own = folder if folder is not None and not self._exists(f"{folder}/__init__.py") else None
        for elsewhere in (own, home, self._own_package_base(dotted, parent)) if found is None else ():
            found = self._find_in(dotted, elsewhere) if elsewhere is not None else None
            if found is not None:
                break
        return found

    def _own_package_base(self, dotted: str, parent: Path | None) -> Path | None:
        """The folder above the importer's own top-level package, when the import names it: a
        module under `sub/internvl/train/` importing `internvl.train.trainer_dpo` runs with `sub/`
        on its path (a launcher's `PYTHONPATH=$(pwd)`), whether or not the folders hold an
        `__init__.py` (InternVL's chat projects). Not a package of that name inside another
        package: `import lightning.pytorch` in NeMo's `nemo/lightning/pytorch/trainer.py` is the
        library, as `nemo/` itself is no folder on the path."""
        if parent is None:
            return None
        first = dotted.split(".", 1)[0]
        key = (first, str(parent))  # every module of a folder asks, for every library it imports
        if key not in self._package_bases:
            self._package_bases[key] = next((above.parent for above in self._folders_to_root(parent)
                                             if above.name == first and not self._exists(f"{above.parent}/__init__.py")),
                                            None)
        return self._package_bases[key]

    def _script_folders_above(self, parent: Path | None) -> list[Path]:
        """The script folders that hold the importer, nearest first: in a monorepo of projects each
        with its own `utils` package (DeepLearningExamples), `from utils import hooks` in
        ConvNets/runtime/runner.py is ConvNets/utils, not the first project's searched."""
        if parent is None:
            return []
        scripts = self._script_folders
        return [above for above in self._folders_to_root(parent) if above in scripts]

    def _folders_to_root(self, folder: Path) -> list[Path]:
        """The folder and those above it, below the project root."""
        key = str(folder)
        if key not in self._to_root:
            above = []
            for step in (folder, *folder.parents):
                if step == self.root or not step.is_relative_to(self.root):
                    break
                above.append(step)
            self._to_root[key] = above
        return self._to_root[key]

    def _find_in(self, dotted: str, base: Path) -> Path | None:
        relative = "/".join(dotted.split("."))
        for candidate in (f"{base}/{relative}.py", f"{base}/{relative}/__init__.py"):
            if self._exists(candidate):
                found = self._real(candidate)
                if found is not None:
                    return found
        return None

    def _real(self, candidate: str) -> Path | None:
        """An existing candidate file's real path, if that lies in the project outside the skipped
        folders (a link may lead elsewhere): once per file, as every module importing it asks."""
        if candidate not in self._reals:
            path = resolve(Path(candidate))
            self._reals[candidate] = path if self._inside_project(path) else None
        return self._reals[candidate]

    def _bases_holding(self, dotted: str) -> list[Path]:
        """The search path (script folders, the root, root/src) in order, less the folders the
        listing shows without the module (`torch.nn`: no listed `.../torch/nn.py` nor
        `.../torch/nn/__init__.py`, so none): a tree with hundreds of script folders would
        otherwise try each of them for every name imported."""
        bases, order = self._search_path
        if not isinstance(self.python_files(), set):
            return bases
        relative = "/" + "/".join(dotted.split("."))
        last = dotted.rsplit(".", 1)[-1]
        holders = set()
        for tail, suffix in ((f"{last}.py", relative + ".py"), (f"{last}/__init__.py", relative + "/__init__.py")):
            holders.update(path[: -len(suffix)] for path in self._by_tail.get(tail, ()) if path.endswith(suffix))
        return [bases[index] for index in sorted(order[h] for h in holders if h in order)]

    @property
    def _search_path(self) -> tuple[list[Path], dict[str, int]]:
        """The folders searched for an import, in order, and each one's text -> its first place."""
        if self._search_folders is None or self._search_folders[2] != len(self.script_dirs):
            # A package's folder is on the path only in the run of a script in it, for its neighbours
            # (see _search): NeMo's data/common/webdataset.py is no `webdataset` for nemo/utils (triage BF)
            bases = [*(d for d in self.script_dirs if not self._exists(f"{d}/__init__.py")), self.root, self.root / "src"]
            order: dict[str, int] = {}
            for index, base in enumerate(bases):
                order.setdefault(str(base), index)
            self._search_folders = (bases, order, len(self.script_dirs))
        return self._search_folders[:2]

    @property
    def _by_tail(self) -> dict[str, list[str]]:
        """The listed files by their last part ("nn.py", and "nn/__init__.py" for a package)."""
        if self._tails is None:
            self._tails = {}
            for path in self._listing:
                parts = path.rsplit("/", 2)
                self._tails.setdefault(parts[-1], []).append(path)
                if parts[-1] == "__init__.py" and len(parts) > 1:
                    self._tails.setdefault(parts[-2] + "/__init__.py", []).append(path)
        return self._tails

    @property
    def _script_folders(self) -> set[Path]:
        if len(self._script_set) != len(self.script_dirs):
            self._script_set = set(self.script_dirs)
        return self._script_set

    def literal_marks(self) -> set[str]:
        """What the string literals of every module hold that a rule looks for (ir.ModuleSummary)."""
        marks: set[str] = set()
        for summary in self.modules.values():
            marks |= summary.literal_marks
        return marks

    def attribute_stores(self) -> dict[str, list[tuple[ir.Sym, ir.Sym]]]:
        """By attribute name, the (object, value) of each assignment to an attribute of an object
        other than a method's own `self` (`cb.custom_save = partial(save, model)` in the function
        that made `cb`: NeMo-Aligner's checkpoint callback). One pass, kept while no module is added."""
        if self._stores is None or self._stores[0] != len(self.functions):
            stores: dict[str, list[tuple[ir.Sym, ir.Sym]]] = {}
            for fn in self.functions.values():
                own = fn.params[0].name if fn.class_id is not None and fn.params else None
                for event in fn.events:
                    target = event.target if isinstance(event, ir.Assign) else None
                    if isinstance(target, ir.Attr) and isinstance(target.base, ir.Name) and target.base.name != own:
                        stores.setdefault(target.attr, []).append((target.base, event.value))
            self._stores = (len(self.functions), stores)
        return self._stores[1]

    def python_files(self) -> set[str] | bool:
        """The project's Python files (listed once), or False when there are too many to list."""
        if self._listing is None:
            self._listing = list_python_files(self.root)
        return self._listing

    @property
    def listed(self) -> bool:
        """Whether imports were looked up in the listing of the project's Python files."""
        return isinstance(self._listing, set)

    def _exists(self, candidate: str) -> bool:
        """Whether a project file exists, from one listing instead of a stat per candidate (big trees)."""
        if self.python_files() is False:  # too big to list: ask the file system
            return is_file(Path(candidate))
        return candidate in self._listing

    def resolve_import(self, dotted: str, importer: str | None) -> str | None:
        key = (dotted, importer or "")
        if key not in self._imports:
            path = self.find_module_file(dotted, importer)
            found = self.by_path.get(path) if path else None
            if found is None and dotted in self.modules:
                found = dotted
            self._imports[key] = found
        return self._imports[key]

    def _inside_project(self, path: Path) -> bool:
        try:
            parts = path.relative_to(self.root).parts  # a resolved path
        except ValueError:
            return False
        return not any(part in SKIPPED_DIRS for part in parts[:-1])


def _is_test_folder(folder: Path, root: Path) -> bool:
    """A folder of tests (`tests/`, `tests/unit/`), as the project's own path names it."""
    parts = folder.relative_to(root).parts if folder.is_relative_to(root) else ()
    return bool(parts) and is_test([*parts, "_"])
