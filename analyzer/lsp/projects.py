"""Which project folder a document belongs to, and one analysis of that folder.

A folder is analysed exactly as `sigcheck FOLDER` (and the pre-commit hook) would analyse it: its
entry points are discovered, each is followed through the modules it imports, and the settings
come from the nearest `sigcheck.toml` or `[tool.sigcheck]` above the folder. The only difference
is that open documents are read as the editor holds them. Analysing the whole folder, not the
changed file, is what makes a change to a helper module re-report the entry point that uses it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from sigcheck.checking.engine import analyse
from sigcheck.checking.results import Report
from sigcheck.checking.runcache import RunOptions
from sigcheck.config.settings import ConfigError, Settings, find_config, load_settings
from sigcheck.loading.cache import MemoryCache
from sigcheck.container.dockerfile import is_dockerfile
from sigcheck.loading.roots import project_root
from sigcheck.loading.segments import IncrementalParser
from sigcheck.loading.sources import resolve
from sigcheck.loading.summaries import available_cpus

CONFIG_FILES = ("pyproject.toml", "sigcheck.toml")
_SCRIPT_LANGUAGES = {"python", "dockerfile", "shellscript", "sh", "bash", "jupyter"}
_SCRIPT_SUFFIXES = {".py", ".pyi", ".ipynb", ".sh", ".bash", ""}


def is_analysable(path: Path, language_id: str | None = None) -> bool:
    """Documents whose change can change findings: Python, notebooks, Dockerfiles and the shell or
    extensionless scripts a Dockerfile runs. A README opening triggers nothing."""
    return (language_id or "").lower() in _SCRIPT_LANGUAGES or path.suffix in _SCRIPT_SUFFIXES or is_dockerfile(path)


def project_folder(path: Path, workspace_folders: Sequence[Path], known: Iterable[Path] = ()) -> Path:
    """The folder to analyse for a document: the folder of its nearest sigcheck configuration when
    that lies inside the workspace folder holding the document (a sub-project), else that workspace
    folder. Outside every workspace folder: the configuration's folder, else a folder already
    analysed that holds the document, else the project root that markers show (`.git`,
    `pyproject.toml`...) unless that is the home folder or `/`, else the document's own folder."""
    folder = _innermost(path, workspace_folders)
    config = _config_folder(path.parent)
    if config is not None and (folder is None or _inside(config, folder)):
        return config
    if folder is not None:
        return folder
    held = _innermost(path, list(known))
    if held is not None:
        return held
    root = project_root([path])
    return path.parent if root in (Path.home(), Path(root.anchor)) else root


def _innermost(path: Path, folders: Sequence[Path]) -> Path | None:
    holding = [f for f in folders if _inside(path, f)]
    return max(holding, key=lambda f: len(f.parts)) if holding else None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@lru_cache(maxsize=1024)
def _config_folder(directory: Path) -> Path | None:
    try:
        found = find_config(directory)
    except ConfigError:  # an unreadable pyproject.toml: the analysis reports it, with its name
        return None
    return found.parent if found else None


def forget_configs() -> None:
    """A configuration file was saved: where the nearest one is may have changed."""
    _config_folder.cache_clear()


def settings_for(folder: Path) -> Settings:
    """As the command line finds them for `sigcheck FOLDER`. Raises ConfigError."""
    config = find_config(folder)
    return load_settings(config) if config else Settings()


_SUMMARIES = MemoryCache()  # the server's runs share summaries: an edit re-parses the edited file only
_PARSER = IncrementalParser()  # and of that file, the top-level statements the edit changed


def check_folder(folder: Path, overlays: Mapping[Path, str]) -> Report:
    """One run over the folder with the editor's documents (resolved path -> text) read as shown.
    Raises ConfigError or KnowledgeError for a configuration that cannot be used."""
    # The open documents are parsed here, by parts; every other file in a worker process, within
    # its time budget, so that no file on disk can hold the analysis thread.
    options = RunOptions(available_cpus(), _SUMMARIES, spans=True, parser=_PARSER, isolated=True,
                         start_method="forkserver")
    return analyse([folder], settings_for(folder), overlays=overlays, options=options)


def resolved(path: str | Path) -> Path:
    return resolve(Path(path).absolute())
