"""The versions a project pins of a library whose SIGTERM handling changed between releases.

Lightning's Trainer handles SIGTERM from 2.0 on; before, only on SLURM with auto-requeue or with
fault-tolerant training switched on. A project that pins `pytorch-lightning==1.4.2` trains with
no handler. Pins are read from the files an environment is built from (requirements files, conda
environments, pyproject.toml, setup.py, setup.cfg, a Dockerfile's installs), in the folder of the
entry point or the nearest folder above it, up to the project root, that pins the package; text
only, nothing runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from sigcheck.loading.sources import SourceFile, folders_up

# `requirement*.txt`: also the singular `requirement.txt` (microsoft/LoRA's; triage DM)
_PIN_FILES = ("requirement*.txt", "requirements/*.txt", "environment*.yml", "environment*.yaml", "conda*.yml",
              "conda*.yaml", "pyproject.toml", "setup.py", "setup.cfg",
              # an image's `RUN pip install pytorch-lightning==1.8.6` (flash-attention's training/Dockerfile)
              "Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile")
_USUAL_NAMES = ("requirements.txt", "requirement.txt", "environment.yml", "environment.yaml", "pyproject.toml", "setup.py",
                "setup.cfg", "Dockerfile")
_MAX_BYTES = 1_000_000
_CLAUSE = re.compile(r"\s*(===|==|~=|<=|>=|!=|<|>|=)\s*([0-9][\w.*+!-]*)")
# base images whose tag is a package's version: `FROM pytorch/pytorch:1.7.1-cuda11.0-cudnn8-runtime`
_IMAGE_TAGS = {"torch": re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(?:docker\.io/)?pytorch/pytorch:(\d+\.\d+(?:\.\d+)?)\b",
                                   re.MULTILINE | re.IGNORECASE)}


@dataclass
class Pins:
    """For each folder of the project asked about: the specifiers written there, by package."""

    root: Path
    packages: frozenset[str]
    read: dict[Path, SourceFile] = field(default_factory=dict)  # every file read, for the run cache
    written: dict[Path, tuple[str, str]] = field(default_factory=dict)  # files not on disk a notebook writes: text, shown as
    _folders: dict[Path, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)

    def below(self, path: Path, packages: list[str], since: str) -> str | None:
        """Where the nearest pin above `path` of one of `packages` allows only versions before
        `since`: the pin as written (`pytorch-lightning==1.4.2 in environment.yaml`), else None."""
        limit = _version(since)
        for folder in folders_up(path.parent, self.root):
            found = [(package, clause, where) for package in packages for clause, where in self._pins(folder).get(package, ())]
            if found:
                return _binding(found, limit)
        return None

    def inputs(self) -> list[Path]:
        """The files the answers depend on: those read, and the usual names looked for in each
        folder asked about, so that one created later makes a cached run stale."""
        return [*self.read, *(folder / name for folder in self._folders for name in _USUAL_NAMES)]

    def _pins(self, folder: Path) -> dict[str, list[tuple[str, str]]]:
        if folder not in self._folders:
            pins: dict[str, list[tuple[str, str]]] = {}
            for pattern in _PIN_FILES:
                try:
                    paths = sorted(folder.glob(pattern))
                except OSError:
                    continue
                for path in paths:
                    self._scan(path, pins)
            for path, (text, shown) in sorted(self.written.items()):
                if path.parent == folder and any(fnmatch(path.name, pattern) for pattern in _PIN_FILES):
                    self._pins_in(text, shown, pins)
            self._folders[folder] = pins
        return self._folders[folder]

    def _scan(self, path: Path, pins: dict[str, list[tuple[str, str]]]) -> None:
        try:
            if not path.is_file() or path.stat().st_size > _MAX_BYTES:
                return
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        shown = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.as_posix()
        self.read[path] = SourceFile(path, shown, text)
        self._pins_in(text, shown, pins)

    def _pins_in(self, text: str, shown: str, pins: dict[str, list[tuple[str, str]]]) -> None:
        for package in self.packages:
            name = re.escape(package).replace(r"\-", "[-_]")
            for match in re.finditer(rf"(?<![\w.-]){name}(?![\w-])\s*(?:\[[^\]]*\])?((?:{_CLAUSE.pattern}\s*,?)+)",
                                     text, re.IGNORECASE):
                for clause in _CLAUSE.finditer(match.group(1)):
                    pins.setdefault(package, []).append((f"{clause.group(1)}{clause.group(2)}", shown))
            for tag in _IMAGE_TAGS[package].finditer(text) if package in _IMAGE_TAGS else ():
                pins.setdefault(package, []).append((f"=={tag.group(1)}", shown))


def pinned_within(pin: str, packages: list[str], first: str, last: str) -> bool:
    """Whether a pin as `below` writes it (`pytorch-lightning==1.5.0 in environment.yaml`) holds
    one of `packages` to a single release from `first` to `last`."""
    exact = re.match(r"\s*([\w.\-\[\]]+?)\s*===?\s*([\w.]+)\s*(?:in |$)", pin)
    return exact is not None and exact.group(1).lower() in {p.lower() for p in packages} \
        and _version(first) <= _version(exact.group(2)) <= _version(last)


def _version(text: str) -> tuple[int, ...]:
    """`1.4.2` -> (1, 4, 2); `2.0.0rc1` -> (2, 0, 0); `1.9.*` -> (1, 9)."""
    parts = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(part):
            break
    return tuple(parts)


def _binding(found: list[tuple[str, str, str]], limit: tuple) -> str | None:
    """The pin of a folder that keeps the project before `limit`, as written: one in a file the
    environment is usually built from (requirements.txt, pyproject.toml...) first. A pin in another
    file (an extra's `requirements/moss-vl.txt`) binds only where no such file allows the release:
    LLaMA-Factory's pyproject allows transformers 5 whatever one model's extra pins."""
    files: dict[str, list[tuple[str, str]]] = {}
    for package, clause, where in found:
        files.setdefault(where, []).append((package, clause))
    confining = {where: next((f"{package}{clause}" for package, clause in clauses if _only_before(clause, limit)), None)
                 for where, clauses in files.items()}
    usual = [where for where in files if PurePosixPath(where).name in _USUAL_NAMES]
    for where in (*usual, *(w for w in files if w not in usual)):
        if confining[where] is not None and (where in usual or all(confining[w] is not None for w in usual)):
            return f"{confining[where]} in {where}"
    return None


def _only_before(clause: str, limit: tuple[int, ...]) -> bool:
    """Whether a specifier clause allows no version at or after `limit`."""
    operator, version = re.match(r"(===|==|~=|<=|>=|!=|<|>|=)(.*)", clause).groups()
    written = _version(version)
    if not written:
        return False
    if operator == "<":  # `<2.0.0` is `<2.0`: a release compares as if padded with zeros
        return _padded(written, limit) <= _padded(limit, written)
    if operator in ("==", "===", "="):
        return written < limit and not _prefix_of(written, limit)
    if operator == "<=":
        return written < limit and not _prefix_of(written, limit)
    if operator == "~=" and len(written) >= 2:  # ~=1.4 allows <2; ~=1.4.2 allows <1.5
        upper = (*written[:-2], written[-2] + 1)
        return upper <= limit
    return False


def _padded(version: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    return version + (0,) * (len(other) - len(version))


def _prefix_of(written: tuple[int, ...], limit: tuple[int, ...]) -> bool:
    """`==2` or `<=2` with a limit of 2.0: the release 2 is 2.0, not before it."""
    return limit[: len(written)] == written and all(part == 0 for part in limit[len(written):])
