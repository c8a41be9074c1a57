"""Where a run's project is: the nearest folder above its inputs with a project marker
(`pyproject.toml`, `setup.py`, `setup.cfg`, `sigcheck.toml`, `.git`), from which imports are
looked up, configuration is read, and the launch files of a script named alone are found."""

from __future__ import annotations

import os
from pathlib import Path

from sigcheck.loading.sources import resolve

PROJECT_MARKERS = ("pyproject.toml", "sigcheck.toml", "setup.py", "setup.cfg", ".git")


def is_project_root(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in PROJECT_MARKERS)


def project_root(paths: list[Path]) -> Path:
    """The nearest folder above the inputs that looks like a project root; else the working
    folder when the inputs are inside it (`sigcheck docker/trainer/Dockerfile` from the folder
    `docker build -f docker/trainer/Dockerfile .` runs in), else their common folder."""
    folders = [resolve(p) if p.is_dir() else resolve(p).parent for p in paths] or [Path.cwd()]
    common = Path(os.path.commonpath([str(f) for f in folders]))
    for directory in [common, *common.parents]:
        if is_project_root(directory):
            return directory
    here = resolve(Path.cwd())
    return here if common.is_relative_to(here) else common
