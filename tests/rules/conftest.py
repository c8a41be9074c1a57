"""Running a rule's example: its findings of the rule must fall on the lines marked `# expect: CODE`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sigcheck.loading.discovery import is_dockerfile

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def expected_lines(source: str, code: str) -> list[int]:
    """Lines marked by `# expect: CODE` on the line before them."""
    lines = source.lstrip("\n").splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        match = _EXPECT.search(line)
        if match and code in [c.strip() for c in match.group(1).split(",")]:
            found.append(number + 1)
    return found


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
        assert not report.errors, report.errors
        found = sorted((d.path, d.line) for d in report.diagnostics if d.code == code)
        return found, expected_lines(example.code, code)

    return run
