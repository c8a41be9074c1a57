"""The on-disk cache: module summaries by content, and whole runs by their inputs.

Entries are pickles, and a pickle can name any callable, so nothing in the cache is trusted: an
entry starts with a magic line and the SHA-256 of its payload (a torn or corrupt write is
ignored), and it is read by an unpickler that builds only sigcheck's own data classes and plain
containers (a foreign entry that names anything else is ignored, never run). The folder is
created for the user alone, with a `.gitignore` so that it is never committed.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from sigcheck import __version__

DEFAULT_DIR = ".sigcheck_cache"
ENV_DIR = "SIGCHECK_CACHE_DIR"
_MAGIC = b"sigcheck-cache 1\n"
_MARK = "# Created by sigcheck"  # the first line of the folder's .gitignore: `sigcheck clean` removes only such folders
_DIGEST = 32

# What an entry may contain besides builtins: the summary's and the report's classes.
_ALLOWED = {
    "builtins": {"set", "frozenset", "dict", "list", "tuple", "str", "int", "bool", "float", "bytes", "complex",
                 "NoneType", "Ellipsis"},
    "array": {"array", "_array_reconstructor"},
    "copyreg": {"_reconstructor"},
    "pathlib": {"PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "Path"},
    "sigcheck.model.ir": None,  # every class of the summary
    "sigcheck.checking.results": None,
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get(module, set())
        if allowed is None:  # only the classes the module itself defines
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        elif name in allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


class Cache:
    """One folder of entries for this version of sigcheck. Every failure to read or write is a
    miss: the cache can only make a run faster, never change or stop it."""

    def __init__(self, folder: Path) -> None:
        self.root = folder
        self.folder = folder / __version__
        self._ready: bool | None = None

    def get(self, kind: str, key: str) -> Any:
        stored = self.open(kind, key)
        return None if stored is None else stored.next()

    def open(self, kind: str, key: str) -> "Stored | None":
        """The entry, checked whole but not yet unpickled: see Stored."""
        try:
            data = (self.folder / kind / key[:2] / key).read_bytes()
        except OSError:
            return None
        payload = _verified(data)
        return None if payload is None else Stored(payload)

    def put(self, kind: str, key: str, value: Any) -> None:
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return
        self.put_pickled(kind, key, payload)

    def put_pickled(self, kind: str, key: str, payload: bytes) -> None:
        """Store a value already pickled (by a worker that sent it so)."""
        if not self._prepare():
            return
        folder = self.folder / kind / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, folder / key)  # readers see the old entry or the new one, whole
        except OSError:
            return

    def _prepare(self) -> bool:
        """Create the folder, user-only, with a .gitignore, once; False if that cannot be done."""
        if self._ready is None:
            try:
                fresh = not self.root.exists()
                self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
                if fresh:
                    os.chmod(self.root, 0o700)  # mkdir's mode is filtered by the umask
                ignore = self.root / ".gitignore"
                if not ignore.exists():
                    ignore.write_text(f"{_MARK}: the cache is never committed.\n*\n", encoding="utf-8")
                self._ready = True
            except OSError:
                self._ready = False
        return self._ready


class MemoryCache:
    """The same interface in memory, for a long-lived process (the language server): summaries of
    the modules a change did not touch are reused, so an edit parses only the edited file."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._entries: dict[tuple[str, str], Any] = {}

    def get(self, kind: str, key: str) -> Any:
        value = self._entries.pop((kind, key), None)
        if value is not None:
            self._entries[(kind, key)] = value  # most recently used last
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        self._entries[(kind, key)] = value
        while len(self._entries) > self.limit:
            del self._entries[next(iter(self._entries))]


class Stored:
    """An entry's payload: one pickle, or several one after another, each unpickled when asked
    for. A summary's entry starts with its file's content hash, so that an edited file's stale
    summary is never built, and the summaries kept are built while workers parse the others."""

    def __init__(self, payload: bytes) -> None:
        self._stream = io.BytesIO(payload)

    def next(self) -> Any:
        """The next value, or None: a foreign or damaged entry of any kind is a miss. Each pickle
        has its own memo, so each is read by an unpickler of its own."""
        try:
            return _SafeUnpickler(self._stream).load()
        except Exception:
            return None


def _verified(data: bytes) -> bytes | None:
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _DIGEST:
        return None
    digest, payload = data[len(_MAGIC):len(_MAGIC) + _DIGEST], data[len(_MAGIC) + _DIGEST:]
    return payload if hashlib.sha256(payload).digest() == digest else None


def code_fingerprint() -> str:
    """sigcheck's own files (code and knowledge) by name, size and time: an entry written by other
    code than the running one is a miss, even under the same version number (a development
    install, a patched file)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import sigcheck
        import sigcheck.rules

        stamps = []
        for folder in sorted({Path(sigcheck.__file__).parent, Path(sigcheck.rules.__file__).parent}):
            for path in sorted(folder.rglob("*")):
                if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                    info = path.stat()
                    stamps.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
        _FINGERPRINT = key_of(__version__, *stamps)
    return _FINGERPRINT


_FINGERPRINT: str | None = None


def key_of(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def made_by_sigcheck(folder: Path) -> bool:
    """Whether a folder is a cache sigcheck created: its .gitignore says so. A mistyped
    `--cache-dir` naming some other folder is never removed."""
    try:
        return (folder / ".gitignore").read_text(encoding="utf-8").startswith(_MARK)
    except (OSError, UnicodeDecodeError):
        return False


def cache_folder(explicit: Path | None, base: Path) -> Path:
    """--cache-dir, else $SIGCHECK_CACHE_DIR, else .sigcheck_cache in `base` (the project's root)."""
    if explicit is not None:
        return explicit
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    return base / DEFAULT_DIR
