"""Progress: a live status line on a terminal, plain lines in CI or a pipe, nothing with --quiet."""

from __future__ import annotations

import io

from sigcheck.verify.status import LiveProgress, PlainProgress, SilentProgress, human_size, progress_for


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_stream_and_ci_choose_the_display(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert isinstance(progress_for(Terminal(), quiet=False), LiveProgress)
    assert type(progress_for(io.StringIO(), quiet=False)) is PlainProgress
    assert isinstance(progress_for(Terminal(), quiet=True), SilentProgress)
    monkeypatch.setenv("CI", "true")
    assert type(progress_for(Terminal(), quiet=False)) is PlainProgress


def test_live_status_shows_phase_countdown_and_files():
    stream = Terminal()
    live = LiveProgress(stream)
    live.tick("stopping", 3.0, None, 117.5, 2)
    live.file("model/model.pt", 2048)
    text = stream.getvalue()
    assert "stopping · 3.0 s · SIGKILL in 117.5 s · 2 files in the output areas" in text
    assert "+ model/model.pt (2.0 KB)" in text
    assert text.rstrip().endswith("\x1b[0m")  # the status line is redrawn below each new line


def test_plain_lines_carry_no_escapes():
    stream = io.StringIO()
    plain = PlainProgress(stream)
    plain.tick("running", 1.0, 2.0, None, 0)  # no status line outside a terminal
    plain.output("loss \x1b[31m0.5\x1b[0m")
    plain.phase("sent SIGTERM")
    assert "\x1b" not in stream.getvalue() and "\r" not in stream.getvalue()
    assert "  | loss 0.5\n" in stream.getvalue()


def test_human_size():
    assert human_size(7) == "7 B"
    assert human_size(1536) == "1.5 KB"
    assert human_size(3 * 1024 ** 3) == "3.0 GB"
