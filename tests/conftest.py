from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings


def write_project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def run_sigcheck(tmp_path, monkeypatch):
    """Write files into a fresh project folder and analyse them; returns the Report."""

    def run(files: dict[str, str], args: list[str] | None = None, **settings):
        write_project(tmp_path, files)
        (tmp_path / "pyproject.toml").touch()
        monkeypatch.chdir(tmp_path)
        paths = [Path(a) for a in (args or [next(iter(files))])]
        return analyse(paths, Settings(**settings))

    return run
