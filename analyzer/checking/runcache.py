"""A whole run answered from the cache: when the entry points are the same and every file the last
run read (sources, Dockerfiles, scripts, configuration) has the same content, its report is the
answer. Checking that reads and hashes those files and nothing else: no parse, and neither libcst
nor networkx is imported.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from sigcheck.checking.results import Report
from sigcheck.config.settings import Settings
from sigcheck.loading.cache import Cache, MemoryCache, code_fingerprint, key_of
from sigcheck.loading.discovery import Discovery


@dataclass
class RunOptions:
    """How a run goes, not what it finds: the same report comes out for any of these."""

    jobs: int = 1
    cache: Cache | MemoryCache | None = None
    progress: Callable[[int, int], None] | None = None
    spans: bool = False  # with every summary, not when reported (see Summariser)
    parser: object | None = None  # an IncrementalParser: an editor's documents, parsed again by parts
    isolated: bool = False  # parse in worker processes however few the files: each has a time budget
    start_method: str | None = None  # of those workers: "forkserver" from a process with threads


def run_key(paths: list[Path], settings: Settings, codes: Iterable[str], found: Discovery) -> str:
    entries = "\n".join(f"{path}\t{display}\t{reason}" for path, display, reason in sorted(found.entries))
    launches = "\n".join(sorted(map(repr, [*found.launches, *found.documented])))  # what the project's shell scripts and READMEs start, and how
    # what the SDK's calls run, and through which shell script's line (read from files no entry point is)
    estimators = "\n".join(sorted(map(repr, found.estimators)))
    # the console scripts a named file's commands run, as their declarations make them
    programs = "\n".join(sorted(f"{path}\t{found.texts.get(path, '')}" for path, _ in found.loaded))
    return key_of("run", code_fingerprint(), os.getcwd(), repr(sorted(map(str, paths))), repr(settings), ",".join(sorted(codes)),
                  str(found.root), entries, launches, estimators, programs)


def stored_report(cache: Cache, key: str) -> Report | None:
    stored = cache.get("run", key)
    if not isinstance(stored, dict) or not isinstance(stored.get("report"), Report):
        return None
    inputs = stored.get("inputs")
    if not isinstance(inputs, list) or any(_digest(Path(path)) != digest for path, digest in inputs):
        return None
    listing = stored.get("listing")
    if listing is not None and listing != listing_digest(Path(stored.get("root", ".")), stored.get("listed", False)):
        return None
    return stored["report"]


def store_report(cache: Cache, key: str, files: Iterable[Path], root: Path, listed: bool, report: Report) -> None:
    inputs = [(str(path), _digest(path)) for path in sorted(set(files))]
    cache.put("run", key, {"inputs": inputs, "root": str(root), "listed": listed,
                           "listing": listing_digest(root, listed), "report": report})


def listing_digest(root: Path, listed: bool) -> str | None:
    """Which Python files exist decides where imports go: a new module can change the answer."""
    if not listed:
        return None
    from sigcheck.model.listing import list_python_files
    files = list_python_files(root)
    return key_of(*sorted(files)) if isinstance(files, set) else None


def _digest(path: Path) -> str | None:
    """The content's hash; for a folder, its names; for another kind of file (a FIFO), its kind
    only: reading a FIFO would block."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):  # a folder read whole (Hydra's configuration): a file added changes the answer
            os.close(descriptor)
            return key_of("folder", *sorted(os.listdir(path)))
        if not stat.S_ISREG(mode):
            os.close(descriptor)
            return f"not a file: {stat.S_IFMT(mode)}"
        with open(descriptor, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None
