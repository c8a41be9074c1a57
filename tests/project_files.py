"""Writing a project for a test. A module of its own, not conftest: a test module that imports
from `conftest` gets whichever conftest pytest loaded last (tests/verify has one too)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


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


def expected_lines(source: str, code: str) -> list[int]:
    """Lines marked by `# expect: CODE` on the line before them (rule examples)."""
    lines = source.lstrip("\n").splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        match = _EXPECT.search(line)
        if match and code in [c.strip() for c in match.group(1).split(",")]:
            found.append(number + 1)
    return found
