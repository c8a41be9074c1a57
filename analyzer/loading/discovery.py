"""Find the entry points in what the user named: files as given, directories searched.

In a directory an entry point is a Python file with a `__main__` guard, the script a Dockerfile's
ENTRYPOINT/CMD or SAGEMAKER_PROGRAM names, an estimator's `entry_point=` in launcher code or
notebooks, or one matched by the configured `entry-points` globs.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from sigcheck.loading.sources import LoadError, decode_python, decode_text, display_path, read_bytes
from sigcheck.model.project import SKIPPED_DIRS

_MAIN_GUARD = re.compile(r"""^\s*if\s+__name__\s*==\s*['"]__main__['"]""", re.M)
_ESTIMATOR = re.compile(r"""\bentry_point\s*=\s*['"]([^'"]+\.py)['"]""")
_SOURCE_DIR = re.compile(r"""\bsource_dir\s*=\s*['"]([^'"]+)['"]""")
_SAGEMAKER_PROGRAM = re.compile(r"""SAGEMAKER_PROGRAM[=\s]+['"]?([\w./-]+\.py)""")
_DOCKER_RUN_LINE = re.compile(r"^\s*(ENTRYPOINT|CMD)\s+(.*)$", re.I | re.M)
_SCRIPT = re.compile(r"""([\w./-]+\.py)\b""")


@dataclass
class Discovery:
    root: Path
    entries: list[tuple[Path, str, str]] = field(default_factory=list)  # (path, display, reason)
    errors: list[LoadError] = field(default_factory=list)

    def add(self, path: Path, reason: str) -> None:
        resolved = path.resolve()
        if all(existing.resolve() != resolved for existing, _, _ in self.entries):
            self.entries.append((path, display_path(path), reason))


def is_dockerfile(path: Path) -> bool:
    name = path.name
    return name in ("Dockerfile", "Containerfile") or name.endswith(".Dockerfile") or name.startswith("Dockerfile.")


def project_root(paths: list[Path]) -> Path:
    """The nearest folder above the inputs that looks like a project root, else their common folder."""
    folders = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths] or [Path.cwd()]
    common = Path(os.path.commonpath([str(f) for f in folders]))
    for directory in [common, *common.parents]:
        if any((directory / marker).exists() for marker in ("pyproject.toml", "sigcheck.toml", "setup.py", "setup.cfg", ".git")):
            return directory
    return common


def discover(paths: list[Path], entry_globs: tuple[str, ...] = (), glob_base: Path | None = None,
             exclude: tuple[str, ...] = ()) -> Discovery:
    found = Discovery(project_root(paths))
    for path in paths:
        if not os.path.lexists(path):
            found.errors.append(LoadError(str(path), "no such file or directory"))
        elif path.is_dir():
            _search(found, path, entry_globs, glob_base or found.root, exclude)
        elif path.suffix == ".py":
            found.add(path, "named on the command line")
        elif is_dockerfile(path) or path.suffix == ".ipynb":
            _scan_launcher(found, path)
        else:
            found.add(path, "named on the command line")  # a script without .py, such as `train`
    return found


def _search(found: Discovery, top: Path, entry_globs, glob_base: Path, exclude) -> None:
    for directory, subdirs, files in os.walk(top, onerror=lambda e: found.errors.append(
            LoadError(display_path(Path(e.filename or top)), f"cannot read: {e.strerror}")), followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(directory) / name
            relative = _relative(path, glob_base)
            if any(fnmatch(relative, pattern) for pattern in exclude):
                continue
            if any(fnmatch(relative, pattern) for pattern in entry_globs):
                found.add(path, "configured in entry-points")
            elif name.endswith(".py"):
                _scan_python(found, path)
            elif is_dockerfile(path) or name.endswith(".ipynb"):
                _scan_launcher(found, path)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _scan_python(found: Discovery, path: Path) -> None:
    text = _read(found, path)
    if text is None:
        return
    if _MAIN_GUARD.search(text):
        found.add(path, "has an `if __name__ == \"__main__\"` block")
    _estimators(found, path.parent, text)


def _scan_launcher(found: Discovery, path: Path) -> None:
    text = _read(found, path)
    if text is None:
        return
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            text = "\n".join("".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code")
        except (ValueError, AttributeError, TypeError):
            found.errors.append(LoadError(display_path(path), "not a valid notebook (JSON)"))
            return
        _estimators(found, path.parent, text)
        return
    for match in _SAGEMAKER_PROGRAM.finditer(text):
        _add_named(found, path.parent, match.group(1), f"SAGEMAKER_PROGRAM in {display_path(path)}")
    for match in _DOCKER_RUN_LINE.finditer(text):
        for script in _SCRIPT.findall(match.group(2)):
            _add_named(found, path.parent, script, f"{match.group(1).upper()} of {display_path(path)}")


def _estimators(found: Discovery, folder: Path, text: str) -> None:
    source_dirs = _SOURCE_DIR.findall(text)
    for script in _ESTIMATOR.findall(text):
        bases = [folder / d for d in source_dirs] or [folder]
        for base in bases:
            if (base / script).is_file():
                found.add(base / script, "an estimator's entry_point")
                break


def _add_named(found: Discovery, folder: Path, script: str, reason: str) -> None:
    """A script named in a Dockerfile: its path in the image rarely matches the build context, so
    look for it by its name below the Dockerfile's folder."""
    candidate = folder / script.lstrip("/")
    if candidate.is_file():
        found.add(candidate, reason)
        return
    name = Path(script).name
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        if name in files:
            found.add(Path(directory) / name, reason)
            return


def _read(found: Discovery, path: Path) -> str | None:
    display = display_path(path)
    try:
        data = read_bytes(path, display)
        return decode_python(data, display) if path.suffix == ".py" else decode_text(data, display)
    except LoadError as error:
        found.errors.append(error)
        return None
