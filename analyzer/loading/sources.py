"""Read a source file as text without ever blocking, crashing or guessing silently."""

from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

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
            return handle.read(limit + 1)
    except OSError as exc:
        raise LoadError(display, f"cannot read: {exc.strerror or exc}") from None


def decode_python(data: bytes, display: str) -> str:
    """Decode as Python does: BOM, then a coding cookie, then UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise LoadError(display, f"cannot decode: {exc.msg}", exc.lineno or 1, 1) from None
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except LookupError:
        raise LoadError(display, f"cannot decode: unknown encoding {encoding!r}", 1, 1) from None
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        raise LoadError(display, f"cannot decode as {encoding}: invalid byte 0x{data[exc.start]:02x}", line, column) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    nul = text.find("\0")
    if nul >= 0:
        line, column = _line_col(text, nul)
        raise LoadError(display, "source contains a NUL byte", line, column)
    return text


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


def read_python(path: Path, display: str | None = None) -> SourceFile:
    display = display or display_path(path)
    return SourceFile(path, display, decode_python(read_bytes(path, display), display))


def read_text(path: Path, display: str | None = None) -> SourceFile:
    display = display or display_path(path)
    return SourceFile(path, display, decode_text(read_bytes(path, display), display))


def _line_col(data: bytes | str, offset: int) -> tuple[int, int]:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, offset) + 1
    column = offset - (data.rfind(newline, 0, offset) + 1) + 1
    return line, column
