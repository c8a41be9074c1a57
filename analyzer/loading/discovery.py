"""Find the entry points in what the user named: files as given, directories searched.

In a directory an entry point is a Python file with a `__main__` guard, a loop at module level (also in a top-level `with`,
`try` or `if` block), a module-level call of a function it defines (`main()`), of a model's `fit`, a trainer's `train` or of
`subprocess`, the Python script a Dockerfile's launch chain ends in (see sigcheck.container), an estimator's `entry_point=`,
a console script or a script setup.py installs, or one matched by the configured `entry-points` globs. Tests are not jobs:
a test file's main guard (test_*.py, *_test.py, or a file under tests/, test/ or test_*/) does not make it an entry point.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Mapping

from sigcheck.container.dockerfile import is_dockerfile
from sigcheck.container.model import Container, load_container
from sigcheck.knowledge import builtin_knowledge
from sigcheck.loading.console_scripts import PROJECT_FILES, console_scripts, program_path, setup_scripts
from sigcheck.loading.estimators import EstimatorLaunch, estimator_calls
from sigcheck.loading.launch_files import is_launch_doc, relative, scan_readme, scan_shell, scan_yaml
from sigcheck.loading.launch_scripts import ScriptLaunch, unfound_error
from sigcheck.loading.named_launches import add_launches_of_named
from sigcheck.loading.roots import project_root
from sigcheck.loading.kubeflow import add_trainjob, module_functions, notebook_functions
from sigcheck.loading.notebooks import code_cells, written_scripts
from sigcheck.loading.sources import (LoadError, SourceFile, decode_python, decode_text, display_path, is_file,
                                      overlaid, read_bytes, resolve)
from sigcheck.model.jobs import is_benchmark, is_test
from sigcheck.model.listing import SKIPPED_DIRS

_MAIN_GUARD = re.compile(r"""^[ \t]*if\s+__name__\s*==\s*['"]__main__['"]""", re.M)
# A module that loops at its top level is a script even without a main guard (`for epoch in ...:`).
_TOP_LEVEL_LOOP = re.compile(r"^(?:for|while|async[ \t]+for)[ \t(]", re.M)
# Or inside a block at its top level: `with autocast():`, `try:` or `if args.train:` holding the
# loop still runs it on import. Only indented or blank lines may come between the header and the
# loop, so the loop belongs to that block.
_BLOCK_LOOP = re.compile(r"^(?:with|async[ \t]+with|try|if|elif|else|except|finally)\b[^\n]*:[ \t]*(?:#[^\n]*)?\n"
                         r"(?:[ \t][^\n]*\n|\n)*?[ \t]+(?:for|while|async[ \t]+for)[ \t(]", re.M)
# Or one that calls at its top level a function it defines itself (`def main(): ...` then `main()`).
_TOP_LEVEL_CALL = re.compile(r"^(?:[A-Za-z_][\w, \t]*=[ \t]*)?([A-Za-z_]\w*)[ \t]*\(", re.M)  # `main()`, `history = run(model)`
_TOP_LEVEL_DEF = re.compile(r"^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)", re.M)
# Or one that fits a model at its top level, as Keras tutorials do (`history = model.fit(x, y)`) and
# Hugging Face's do with a Trainer (`trainer.train()`),
# or starts a process there, as a launcher does (`proc = subprocess.Popen(["torchrun", ...])`).
# A call's result fitted at once counts too (`Trainer(model, ...).fit()`), also where the call
# spans lines and its closing parenthesis starts the line (`).fit()`).
_TOP_LEVEL_FIT = re.compile(r"^(?:(?:[A-Za-z_]\w*[ \t]*=[ \t]*)?[A-Za-z_][\w.]*(?:\([^\n]*\))?|\))"
                            r"\.(?:fit|fit_generator|train)[ \t]*\(", re.M)
_TOP_LEVEL_START = re.compile(r"^(?:[A-Za-z_]\w*[ \t]*=[ \t]*)?(?:subprocess\.(?:run|Popen|call|check_call)|os\.system)"
                              r"[ \t]*\(", re.M)
_ESTIMATOR = re.compile(r"""\bentry_point\s*=\s*['"]([^'"]+\.py)['"]""")
_SOURCE_DIR = re.compile(r"""\bsource_dir\s*=\s*['"]([^'"]+)['"]""")
_SOURCE_CODE = "SourceCode("  # the SageMaker SDK's, for a ModelTrainer

NO_ENTRY_POINTS = ("no entry points found in this directory: no Python file with an `if __name__ == "
                  "\"__main__\"` block, a loop at module level or a call of its own function, a model's fit, a trainer's train or subprocess there, none named "
                  "by a Dockerfile, an estimator or `entry-points`")


RUNS_NOTHING = ("runs none of its functions when run as a script: no `if __name__ == \"__main__\"` block or "
                "module-level call reaches them, so nothing in it was checked; name the script or console script that "
                "runs them, or check the folder (`sigcheck .`)")


def _none_found(left_out: list[str]) -> str:
    """Why a folder gave no entry point; with the scripts it left out as tests or benchmarks,
    which a run names to check them (a folder of benchmark scripts is not empty of scripts)."""
    if not left_out:
        return NO_ENTRY_POINTS
    shown = ", ".join(left_out[:3]) + (f" and {len(left_out) - 3} more" if len(left_out) > 3 else "")
    return (f"no entry points found in this directory: its scripts are tests or benchmarks ({shown}), which are "
            "checked only when named (`sigcheck check FILE`)")


@dataclass
class Discovery:
    root: Path
    entries: list[tuple[Path, str, str]] = field(default_factory=list)  # (path, display, reason)
    errors: list[LoadError] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    context_containers: list[Container] = field(default_factory=list)  # images running a named script (named_launches.py)
    platform: str = "sagemaker"  # decides how containers run (`docker run IMAGE train` on SageMaker)
    target: str | None = None  # the Dockerfile stage that runs, if not the last
    _seen: set[Path] = field(default_factory=set)
    considered: int = 0  # entry points offered (duplicates too), launchers read, errors met
    overlays: Mapping[Path, str] | None = None  # resolved path -> an editor's unsaved text, read instead of the file
    texts: dict[Path, str] = field(default_factory=dict)  # entry points already read and decoded here
    estimators: list[EstimatorLaunch] = field(default_factory=list)  # framework or not: the knowledge tells
    launches: list[ScriptLaunch] = field(default_factory=list)  # scripts the project's shell scripts launch
    launchers: dict[str, SourceFile] = field(default_factory=dict)  # the files they are written in, by display
    programs: dict[str, Path] = field(default_factory=dict)  # the project's console scripts: name -> program written for it
    embedded: dict[Path, str] = field(default_factory=dict)  # scripts a notebook's cells write (resolved) -> the notebook
    documented: list[ScriptLaunch] = field(default_factory=list)  # launches a README's shell blocks show (see launch_files.scan_readme)
    searched: list[Path] = field(default_factory=list)  # the folders named, searched for entry points
    left_out: list[str] = field(default_factory=list)  # scripts not taken as entry points: tests', benchmarks'
    loaded: list[tuple[Path, str]] = field(default_factory=list)  # read with the entry points, none itself: (path, display)
    written_pins: dict[Path, tuple[str, str]] = field(default_factory=dict)  # requirements a notebook writes: text, notebook
    declared: dict | None = None  # the console scripts the root's project files declare, once read (launch_files._programs)

    def add(self, path: Path, reason: str, display: str | None = None) -> None:
        """`display`: how a file that is not on disk is shown (a console script's program: the
        project file that declares it)."""
        self.considered += 1
        resolved = resolve(path)
        if resolved not in self._seen:
            self._seen.add(resolved)
            self.entries.append((path, display or display_path(path), reason))
        elif display is None and not path.is_symlink():  # the real file, met after a link to it: the one shown
            at = next((i for i, (seen, shown, _) in enumerate(self.entries) if resolve(seen) == resolved and seen.is_symlink()), None)
            if at is not None:
                self.entries[at] = (path, display_path(path), reason)


def discover(paths: list[Path], entry_globs: tuple[str, ...] = (), glob_base: Path | None = None,
             exclude: tuple[str, ...] = (), platform: str = "sagemaker", target: str | None = None,
             overlays: Mapping[Path, str] | None = None) -> Discovery:
    found = Discovery(project_root(paths), platform=platform, target=target, overlays=overlays)
    for path in paths:
        errors_before = len(found.errors)  # a file named here that gives nothing says why, unless an error did
        if not os.path.lexists(path):
            found.errors.append(LoadError(str(path), "no such file or directory"))
        elif path.is_dir():
            found.searched.append(path)
            before, skipped = found.considered + len(found.errors), len(found.left_out)
            _search(found, path, entry_globs, glob_base or found.root, exclude)
            if found.considered + len(found.errors) == before:  # say so rather than pass on nothing
                found.errors.append(LoadError(display_path(path), _none_found(found.left_out[skipped:])))
        elif path.suffix == ".py":
            found.add(path, _NAMED)
            _scan_named(found, path)
        elif is_dockerfile(path):
            _scan_dockerfile(found, path)
        elif path.suffix == ".ipynb":
            if not _scan_launcher(found, path) and len(found.errors) == errors_before:
                found.errors.append(LoadError(display_path(path), _NOTEBOOK))
        elif path.suffix.lower() in _LAUNCH_SCRIPTS or _runs_in_a_shell(path):
            if not scan_shell(found, path, found.root, (), named=True) and len(found.errors) == errors_before:
                found.errors.append(unfound_error(path, found.root, builtin_knowledge()) or LoadError(display_path(path), _SHELL))
        elif path.name.lower().endswith(_YAML) and scan_yaml(found, path, found.root, (), named=True):
            pass  # a SkyPilot task file or a Kubernetes manifest that launches a project script
        elif path.suffix.lower() in _NOT_PYTHON:
            found.errors.append(LoadError(display_path(path), _NOT_PYTHON[path.suffix.lower()]))
        elif _reads_as_dockerfile(path):  # `Dockerfile2`, `triton.containerfile`: named, so meant
            _scan_dockerfile(found, path)
        else:
            found.add(path, _NAMED)  # a script without .py, such as `train`
    _named_console_scripts(found)
    add_launches_of_named(found, {resolve(path) for path, _, reason in found.entries if reason == _NAMED},
                          glob_base or found.root, exclude, _search)
    return found


_NAMED = "named on the command line"


def _named_console_scripts(found: Discovery) -> None:
    """Files named alone (no folder searched): the project's console scripts their commands name
    (`subprocess.run(["fairseq-train", ...])`), read as a folder run would read them."""
    if found.searched or not found.texts:
        return
    named = "\n".join(found.texts.values())
    for name in PROJECT_FILES:
        if is_file(found.root / name):
            _scan_console_scripts(found, found.root / name, named)


def _runs_in_a_shell(path: Path) -> bool:
    """Whether a file no suffix names a script of is one for a shell: its `#!` line names sh, bash
    or zsh (NVIDIA's Slurm submission scripts, `run.sub`)."""
    if path.suffix == ".py":
        return False
    try:
        first = read_bytes(path, path.name)[:_SNIFFED].split(b"\n", 1)[0]
    except LoadError:
        return False
    return re.match(rb"#!\s*\S*/(?:env\s+)?(?:ba|z)?sh\b", first) is not None


def _reads_as_dockerfile(path: Path) -> bool:
    """Whether a file named on the command line under no Dockerfile name is one: its first
    instruction, after comments and parser directives, is FROM or ARG (`from x import y` is Python)."""
    try:
        head = read_bytes(path, path.name)[:_SNIFFED]
    except LoadError:
        return False  # unreadable, or too large: reported where it is read as Python
    for line in head.decode("latin-1").splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        keyword, rest = words[0], words[1:]
        if keyword.lower() == "from":  # `from IMAGE [AS NAME]`, not `from x import y`
            return keyword == "FROM" or (len(rest) in (1, 3) and "import" not in rest)
        if keyword.lower() == "arg":  # `ARG NAME=value`, not `arg = 1`
            return keyword == "ARG" or (bool(rest) and rest[0][0] not in "=+-*/%&|^<>:.")
        return False
    return False


_SNIFFED = 4096  # bytes read to tell a Dockerfile from a script

_SHELL = ("a shell script that starts no project script through a launcher sigcheck follows (torchrun, "
          "accelerate launch, deepspeed, srun or a Slurm batch script's python): name the training script, or "
          "the Dockerfile whose ENTRYPOINT or CMD runs this one")
_NOTEBOOK = ("a notebook that starts no training job sigcheck follows (no SageMaker estimator or ModelTrainer "
             "names an entry point, no Kubeflow CustomTrainer is handed a function the notebook defines): code run "
             "in the notebook's own kernel is not stopped by a platform; name the training script")
_LAUNCH_SCRIPTS = (".sh", ".bash", ".sbatch", ".slurm")  # read for the scripts they launch, named or found
# YAML a task file or a manifest may be, and the templates `envsubst` fills in before `kubectl apply`
# (awsome-distributed-training's `*.yaml-template`), which read as YAML with `${VAR}` in it
_YAML = (".yaml", ".yml", ".yaml-template", ".yml-template", ".yaml.template", ".yml.template")
_DATA = "not Python, a Dockerfile or a notebook: name the training script, its folder or the Dockerfile"
# Files named on the command line that are not scripts: parsed as Python, they gave a syntax error.
_NOT_PYTHON = {".zsh": _SHELL, ".yaml": _DATA, ".yml": _DATA, ".json": _DATA,
               ".toml": _DATA, ".txt": _DATA, ".md": _DATA, ".cfg": _DATA}


def _search(found: Discovery, top: Path, entry_globs, glob_base: Path, exclude, containers: bool = True) -> None:
    """`containers`: whether Dockerfiles are read (not for the launches of a script named alone)."""
    for directory, subdirs, files in os.walk(top, onerror=lambda e: found.errors.append(
            LoadError(display_path(Path(e.filename or top)), f"cannot read: {e.strerror}")), followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        # `sigcheck tests/` names the folder: below it, only test_*.py files are tests
        folders = list(Path(os.path.relpath(directory, top)).parts)
        # Real files before symlinks: a file and a link to it are one entry point, shown by its name.
        for name in sorted(files, key=lambda n: (os.path.islink(os.path.join(directory, n)), n)):
            path = Path(directory) / name
            shown = relative(path, glob_base)
            if any(fnmatch(shown, pattern) for pattern in exclude):
                continue
            if name in PROJECT_FILES and not is_test([*folders, path.stem]):  # a test fixture installs nothing
                _scan_console_scripts(found, path)
            if any(fnmatch(shown, pattern) for pattern in entry_globs):
                found.add(path, "configured in entry-points")
            elif name.endswith(".py"):
                _scan_python(found, path, is_test([*folders, path.stem]) or is_benchmark(path.stem))
            elif is_dockerfile(path):
                if containers:
                    _scan_dockerfile(found, path)
            elif name.endswith(".ipynb"):
                _scan_launcher(found, path)
            elif name.endswith(_LAUNCH_SCRIPTS) or (name.endswith(".sub") and _runs_in_a_shell(path)):
                scan_shell(found, path, glob_base, exclude)
            elif name.lower().endswith(_YAML):
                scan_yaml(found, path, glob_base, exclude)
            elif is_launch_doc(name):
                scan_readme(found, path)


def _scan_python(found: Discovery, path: Path, test: bool = False) -> None:
    """A script is an entry point; a test's script (test_*.py, under tests/ or test_utils/) or a
    benchmark (bench.py, benchmark_*.py) is not a job, though it may run a few training steps: it
    is analysed only when named."""
    text = _read(found, path)
    if text is None:
        return
    reason = ("has an `if __name__ == \"__main__\"` block" if _MAIN_GUARD.search(text)
              else "runs a loop at module level (a script)" if _TOP_LEVEL_LOOP.search(text) or _BLOCK_LOOP.search(text)
              else "calls its own function at module level (a script)"
              if not set(_TOP_LEVEL_CALL.findall(text)).isdisjoint(_TOP_LEVEL_DEF.findall(text))
              else "fits or trains a model at module level (a script)" if _TOP_LEVEL_FIT.search(text)
              else "starts a process at module level (a script)" if _TOP_LEVEL_START.search(text) else None)
    if reason and test:
        found.left_out.append(display_path(path))
    if reason and not test:
        found.add(path, reason)
        found.texts[resolve(path)] = text  # the loader reads it from here instead of the disk again
    _estimators(found, path, text)
    if not test and ("CustomTrainer" in text or "create_job" in text):
        for handed in module_functions(text):
            add_trainjob(found, path, handed)


def _scan_console_scripts(found: Discovery, path: Path, named_in: str | None = None) -> None:
    """Each console script the project file declares whose function is the project's own: the
    program pip writes for it is an entry point, placed beside the project's packages (its imports
    find them as the installed program does) and shown at the declaration. `named_in`: the text of
    the files a run names, whose commands may run the console scripts it names; their programs
    are read, as no entry point of their own."""
    try:
        text = overlaid(path, display_path(path), found.overlays)
        text = decode_text(read_bytes(path, display_path(path)), display_path(path)) if text is None else text
    except LoadError:
        return  # found in a folder, not named: a project file sigcheck cannot read declares nothing it follows
    for installed in setup_scripts(path, text) if named_in is None else ():  # `setup(scripts=["bin/t2t-trainer"])`
        found.add(installed, f"a script {display_path(path)} installs")
    for script in console_scripts(path, text):
        wrapper = program_path(script)
        if wrapper is None:
            continue  # a module of another package: nothing of the project's runs first
        if named_in is not None and not re.search(rf"(?<![\w.-]){re.escape(script.name)}(?![\w.-])", named_in):
            continue
        found.texts[resolve(wrapper)] = script.wrapper()
        found.programs.setdefault(script.name, resolve(wrapper))
        if named_in is not None:
            found.loaded.append((resolve(wrapper), display_path(path)))
            continue
        found.add(wrapper, f"the console script `{script.name}` ({script.module}:{script.attribute}), "
                           f"declared at {display_path(path)}:{script.line}", display_path(path))


def _scan_named(found: Discovery, path: Path) -> None:
    """A script named on the command line is an entry point whatever it holds; the estimators it
    calls are read too (`sigcheck launch.py`), with no error of its own: the loader reports those."""
    display = display_path(path)
    try:
        text = overlaid(path, display, found.overlays)
        text = decode_python(read_bytes(path, display), display) if text is None else text
    except LoadError:
        return
    found.texts[resolve(path)] = text
    _estimators(found, path, text)


def _scan_launcher(found: Discovery, path: Path) -> bool:
    """A notebook's estimator calls: whether it launches any script. One that launches none is
    not counted as something the folder offered (training in the notebook's own kernel is no job)."""
    before = found.considered
    text = _read(found, path)
    if text is None:
        return False
    try:
        cells = code_cells(text)
    except (ValueError, AttributeError, TypeError, RecursionError):
        found.errors.append(LoadError(display_path(path), "not a valid notebook (JSON)"))
        return False
    for script in written_scripts(text, cells, path.parent):
        if is_file(script.path):
            continue  # the file in the repository, where there is one, is what runs
        if script.path.suffix == ".txt":  # the versions pinned for the job (see loading/pins.py)
            found.written_pins[resolve(script.path)] = (script.text, display_path(path))
            continue
        found.texts[resolve(script.path)] = script.text
        found.embedded[resolve(script.path)] = display_path(path)
    _estimators(found, path, "\n".join("".join(lines) for lines in cells), text)
    for handed in notebook_functions(text, cells):
        add_trainjob(found, path, handed)
    return found.considered > before


def _estimators(found: Discovery, path: Path, text: str, raw: str | None = None) -> None:
    """The scripts estimators name (`entry_point=`, under any `source_dir=` the file spells) are
    entry points; each call is kept with its place, for the rules that judge how it runs them."""
    folder = path.parent
    if "entry_point" not in text and _SOURCE_CODE not in text and "sagemaker_program" not in text:
        return
    display = display_path(path)
    calls = estimator_calls(text, folder, display, raw, root=found.root, written=frozenset(found.embedded))
    if calls:
        found.estimators.extend(calls)
        found.launchers[display] = SourceFile(resolve(path), display, raw or text)
    for call in calls:  # also those passed through a dict of keywords or a name (see estimator_calls)
        found.add(call.script, "run by a ModelTrainer's SourceCode" if call.name == _SOURCE_CODE[:-1]
                  else "an estimator's entry_point", found.embedded.get(resolve(call.script)))
    source_dirs = _SOURCE_DIR.findall(text)
    for script in _ESTIMATOR.findall(text):
        bases = [folder / d for d in source_dirs] or [folder]
        for base in bases:
            if is_file(base / script) or resolve(base / script) in found.embedded:
                found.add(base / script, "an estimator's entry_point", found.embedded.get(resolve(base / script)))
                break


def _scan_dockerfile(found: Discovery, path: Path) -> None:
    """Parse the Dockerfile, follow its launch chain, and make the Python script it ends in an entry point."""
    found.considered += 1
    try:
        container = load_container(path, found.root, builtin_knowledge(), found.platform, found.target, found.overlays)
    except LoadError as error:
        found.errors.append(error)
        return
    found.containers.append(container)
    found.errors.extend(container.errors)
    if container.chain.python is not None and container.chain.python.program:  # a console script the image installs
        found.texts[resolve(container.chain.python.path)] = container.chain.python.program
        found.add(container.chain.python.path, container.entry_reason, container.chain.python.declared_in)
    elif container.chain.python is not None:
        found.add(container.chain.python.path, container.entry_reason)
    elif container.own_trainer is not None:
        found.add(container.own_trainer.path, f"CMD of {container.display}")
    for script in container.launched:  # loaded so that the launcher's verdict knows how the child handles SIGTERM
        found.add(script, f"named by {container.chain.python.display}, the {container.entry_reason}")


def _read(found: Discovery, path: Path) -> str | None:
    display = display_path(path)
    try:
        text = overlaid(path, display, found.overlays)
        if text is not None:
            return text
        data = read_bytes(path, display)
        return decode_python(data, display) if path.suffix == ".py" else decode_text(data, display)
    except LoadError as error:
        found.errors.append(error)
        return None
