from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests run a few hundred examples by default; SIGCHECK_FUZZ=1 runs thousands.
settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
settings.load_profile("fuzz" if os.environ.get("SIGCHECK_FUZZ") else "default")

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings
from sigcheck.container.dockerfile import is_dockerfile
from sigcheck.loading.discovery import RUNS_NOTHING
from project_files import expected_lines, write_project  # noqa: F401  (tests import it from here too)


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


@pytest.fixture
def load(tmp_path):
    """`load({"train.py": ..., "pkg/core.py": ...})`: the ProjectModel with train.py as entry point."""

    from sigcheck.loading.loader import load_project

    def run(files: dict[str, str], entries: tuple[str, ...] = ("train.py",)):
        write_project(tmp_path, files)
        return load_project(tmp_path, [(tmp_path / e, e, "test") for e in entries])

    return run


@pytest.fixture
def analysis(load):
    """`analysis({...})`: an Analysis over the project, its graph, resolver and registrations;
    `every_function=True` for edges of functions no run reaches (how a graph is built)."""

    from sigcheck.checking.analysis import Analysis
    from sigcheck.knowledge import builtin_knowledge

    def run(files: dict[str, str], entries: tuple[str, ...] = ("train.py",), every_function: bool = False):
        project = load(files, entries)
        assert not project.errors, project.errors
        return Analysis(project, builtin_knowledge(), 120, "sagemaker", every_function=every_function)

    return run


# -- rule examples: a rule's findings must fall on the lines marked `# expect: CODE` ----------------

def _args(example) -> list[str] | None:
    """A Python example beside a Dockerfile is reached through the container: run on the folder."""
    if not is_dockerfile(Path(example.name)) and any(is_dockerfile(Path(name)) for name in example.files):
        return ["."]
    return None


@pytest.fixture
def example_findings(run_sigcheck):
    """`example_findings(code, example)`: the (path, line) of each of the rule's findings in the
    example's project, and the lines its file marks as expected."""

    def run(code: str, example) -> tuple[list[tuple[str, int]], list[int]]:
        report = run_sigcheck({example.name: example.code, **example.files}, args=_args(example),
                              select=(code, *example.select))
        # an example may be a module that only defines what another script runs (a helper, a test case)
        assert not [e for e in report.errors if e.message != RUNS_NOTHING], report.errors
        found = sorted((d.path, d.line) for d in report.diagnostics if d.code == code)
        return found, expected_lines(example.code, code)

    return run
