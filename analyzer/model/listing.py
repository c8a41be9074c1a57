"""The project's Python files, listed once: imports are looked up in the listing instead of a
stat per candidate file."""

from __future__ import annotations

import os
from pathlib import Path

# Folders that hold other people's code or build output, never the project's own modules.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "env", ".env", ".tox",
                          ".nox", "node_modules", "site-packages", "build", "dist", ".mypy_cache",
                          ".pytest_cache", ".ruff_cache", ".sigcheck_cache", ".ipynb_checkpoints"})
_LISTING_LIMIT = 200_000


def list_python_files(root: Path) -> set[str] | bool:
    """Every .py file below `root` outside SKIPPED_DIRS (links to files included, broken links and
    loops not), or False past the limit."""
    found: set[str] = set()
    pending = [str(root)]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        pending.append(entry.path)
                elif entry.name.endswith(".py") and entry.is_file():
                    found.add(entry.path)
            except OSError:  # a symlink loop or a vanished entry
                continue
        if len(found) > _LISTING_LIMIT:
            return False
    return found
