"""A progress line on stderr while files are parsed, for people watching a terminal only: never
in CI, never when stderr is a file or a pipe, never mixed into JSON or LSP output."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    _EVERY = 0.1  # seconds between redraws

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._drawn = 0.0
        self._shown = False

    @classmethod
    def on_stderr(cls, enabled: bool = True) -> "Progress | None":
        if not enabled or os.environ.get("CI") or os.environ.get("TERM") == "dumb" or not sys.stderr.isatty():
            return None
        return cls(sys.stderr)

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._drawn < self._EVERY:
            return
        self._drawn = now
        width = 24
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False
