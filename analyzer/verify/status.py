"""Progress while the command runs: a live status line on a terminal, plain lines elsewhere.

A terminal gets one line redrawn in place (phase, elapsed time, countdown to the signal or to
SIGKILL, files so far), with the command's output and each file that appears printed above it.
In CI, into a pipe or a file, every event is one plain line, so logs stay readable.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from sigcheck.report.text import clean

REDRAW = 0.1  # seconds between redraws of the live line


def progress_for(stream: TextIO, quiet: bool, echo_output: bool = True):
    if quiet:
        return SilentProgress()
    if stream.isatty() and not os.environ.get("CI"):
        return LiveProgress(stream, echo_output)
    return PlainProgress(stream, echo_output)


class SilentProgress:
    def phase(self, text: str) -> None:
        pass

    def output(self, line: str) -> None:
        pass

    def file(self, path: str, size: int) -> None:
        pass

    def tick(self, phase, elapsed, to_signal, to_kill, files) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress(SilentProgress):
    def __init__(self, stream: TextIO = sys.stdout, echo_output: bool = True) -> None:
        self.stream = stream
        self.echo_output = echo_output
        self.started = time.monotonic()

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def phase(self, text: str) -> None:
        self._line(f"[{time.monotonic() - self.started:6.1f} s] {clean(text)}")

    def output(self, line: str) -> None:
        if self.echo_output:
            self._line(f"  | {clean(line)}")

    def file(self, path: str, size: int) -> None:
        self._line(f"[{time.monotonic() - self.started:6.1f} s] + {clean(path)} ({human_size(size)})")


class LiveProgress(PlainProgress):
    """Plain lines scroll above a status line that is redrawn in place."""

    def __init__(self, stream: TextIO = sys.stdout, echo_output: bool = True) -> None:
        super().__init__(stream, echo_output)
        self.status = ""
        self.last_draw = 0.0

    def _line(self, text: str) -> None:
        self.stream.write("\r\x1b[2K" + text + "\n" + self.status)
        self.stream.flush()

    def tick(self, phase, elapsed, to_signal, to_kill, files) -> None:
        now = time.monotonic()
        if now - self.last_draw < REDRAW:
            return
        self.last_draw = now
        parts = [phase, f"{elapsed:.1f} s"]
        if to_signal is not None:
            parts.append(f"stop signal in {to_signal:.1f} s")
        elif to_kill is not None:
            parts.append(f"SIGKILL in {to_kill:.1f} s")
        elif phase == "running":
            parts.append("waiting for the --when line")
        parts.append(f"{files} file{'s' if files != 1 else ''} in the output areas")
        self.status = " · ".join(parts) if "NO_COLOR" in os.environ else "\x1b[1m" + " · ".join(parts) + "\x1b[0m"
        self.stream.write("\r\x1b[2K" + self.status)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\x1b[2K")
        self.stream.flush()
        self.status = ""


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
