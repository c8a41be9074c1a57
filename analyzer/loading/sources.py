"""Read a source file as text without ever blocking, crashing or guessing silently."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

# Generated or vendored files beyond this size are not training entry points worth the time.
MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LoadError(Exception):
    """A file that could not be analysed, with the place that stopped us when there is one."""

    display: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.display
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute, resolved
    display: str  # how the user should see it: as given, or relative to the working directory
    text: str


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def read_bytes(path: Path, display: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file; directories, FIFOs, devices and oversized files are refused."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise LoadError(display, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise LoadError(display, f"skipped: {kind}")
    if info.st_size > limit:
        raise LoadError(display, f"skipped: {info.st_size:,} bytes is over the {limit:,}-byte limit")
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the stat must not hang the run.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise LoadError(display, f"cannot read: {exc.strerror or exc}") from None
    if data is None or len(data) > limit:  # None: swapped for a FIFO with nothing to read yet
        raise LoadError(display, "skipped: not a regular file" if data is None else
                        f"skipped: over the {limit:,}-byte limit")
    return data


def decode_python(data: bytes, display: str) -> str:
    """Decode as Python does: BOM, then a coding cookie, then UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise _cookie_error(data, display, str(exc.msg)) from None
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except LookupError as exc:
        raise LoadError(display, f"cannot decode: {exc}", _cookie_line(data), 1) from None
    except UnicodeDecodeError as exc:
        raise _decode_error(data, display, encoding, exc.start) from None
    except (UnicodeError, ValueError) as exc:  # a few exotic codecs fail in other ways
        raise LoadError(display, f"cannot decode as {encoding}: {exc}", 1, 1) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    nul = text.find("\0")
    if nul >= 0:
        line, column = _line_col(text, nul)
        raise LoadError(display, "source contains a NUL byte", line, column)
    return text


def _cookie_error(data: bytes, display: str, message: str) -> LoadError:
    """`tokenize.detect_encoding` failed: say where, and for bytes that are not UTF-8, which byte."""
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if message.startswith("invalid or missing encoding declaration"):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _decode_error(data, display, "utf-8", exc.start + len(data) - len(body))
    return LoadError(display, f"cannot decode: {message}", _cookie_line(data), 1)


def _decode_error(data: bytes, display: str, encoding: str, offset: int) -> LoadError:
    line, column = _line_col(data, offset)
    start = offset - column + 1  # the line's first byte: count its characters, not its bytes
    column = len(data[start:offset].decode(encoding, errors="replace")) + 1
    return LoadError(display, f"cannot decode as {encoding}: invalid byte 0x{data[offset]:02x}", line, column)


def _cookie_line(data: bytes) -> int:
    """The line of the coding cookie (the first or the second), else 1."""
    for number, line in enumerate(data.split(b"\n", 2)[:2], start=1):
        if b"coding" in line:
            return number
    return 1


def decode_text(data: bytes, display: str) -> str:
    """Decode a Dockerfile, shell script or notebook: UTF-8 (with or without BOM) only."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        raise LoadError(display, f"cannot decode as utf-8: invalid byte 0x{data[exc.start]:02x}", line, column) from None
    if "\0" in text:
        line, column = _line_col(text, text.find("\0"))
        raise LoadError(display, "file contains a NUL byte: binary data?", line, column)
    return text


def read_python(path: Path, display: str | None = None, overlays: Mapping[Path, str] | None = None) -> SourceFile:
    display = display or display_path(path)
    text = overlaid(path, display, overlays)
    return SourceFile(path, display, decode_python(read_bytes(path, display), display) if text is None else text)


def read_text(path: Path, display: str | None = None, overlays: Mapping[Path, str] | None = None) -> SourceFile:
    display = display or display_path(path)
    text = overlaid(path, display, overlays)
    return SourceFile(path, display, decode_text(read_bytes(path, display), display) if text is None else text)


def overlaid(path: Path, display: str, overlays: Mapping[Path, str] | None) -> str | None:
    """The text an editor holds for `path` (overlays map resolved paths to unsaved text), else None:
    the language server analyses open documents as they are shown, not as they were last saved."""
    if not overlays:
        return None
    text = overlays.get(resolve(path))
    if text is None:
        return None
    if "\0" in text:
        line, column = _line_col(text, text.find("\0"))
        raise LoadError(display, "source contains a NUL byte", line, column)
    return text[1:] if text.startswith("\ufeff") else text


def _line_col(data: bytes | str, offset: int) -> tuple[int, int]:
    """1-based line and column (in units of `data`) of `offset`; CR, LF and CRLF all end a line."""
    cr, lf = (b"\r", b"\n") if isinstance(data, bytes) else ("\r", "\n")
    line = data.count(lf, 0, offset) + data.count(cr, 0, offset) - data.count(cr + lf, 0, offset) + 1
    start = max(data.rfind(lf, 0, offset), data.rfind(cr, 0, offset)) + 1
    return line, offset - start + 1


def is_file(path: Path) -> bool:
    """`path.is_file()` that says no to a name too long for the file system instead of raising."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def resolve(path: Path) -> Path:
    """`path.resolve()` that survives symlink loops (RuntimeError before Python 3.13), OS errors and
    a name no file system takes (a NUL byte a notebook or launcher spells: ValueError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


def folders_up(folder: Path, root: Path) -> Iterator[Path]:
    """The folder, then each one above it up to the project root: where a file nearest to
    another is looked for. A folder outside the root is the only one."""
    while True:
        yield folder
        if folder == root or not folder.is_relative_to(root) or folder.parent == folder:
            return
        folder = folder.parent


def source_lines(text: str) -> list[str]:
    """Lines as Python and libcst count them: only \n, \r\n and \r end a line (a form feed does not)."""
    return re.split(r"\r\n|\r|\n", text)
