"""Writing a project for a test. A module of its own, not conftest: a test module that imports
from `conftest` gets whichever conftest pytest loaded last (tests/verify has one too)."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def dockerfile_container(root: Path, files: dict[str, str], platform: str = "sagemaker", target: str | None = None):
    """Write a Dockerfile and its build context, and follow its launch chain."""
    from sigcheck.container.model import load_container
    from sigcheck.knowledge import builtin_knowledge

    write_project(root, files)
    return load_container(root / "Dockerfile", root, builtin_knowledge(), platform, target)
