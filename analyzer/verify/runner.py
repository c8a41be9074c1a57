"""One run: start the command, wait for the moment to stop it, signal it as the platform does,
wait out the grace period, SIGKILL what is left, and record what happened.

The stop signal goes to the command's own process only, as `docker stop` signals PID 1 only:
children see it only if the command forwards it. SIGKILL then goes to the whole process group
(and, as PID 1, the kernel takes the rest of the namespace with it).
"""

from __future__ import annotations

import gc
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sigcheck.verify.layout import OUTPUT_AREAS, FakeOptMl
from sigcheck.verify.namespace import Isolation, namespace_init
from sigcheck.verify.observation import ExitWatch, FileChange, ProcessWatch, file_changes, snapshot

TICK = 0.05  # seconds between samples of processes; exit times come from a waiting thread, not ticks
FILE_POLL = 0.25  # seconds between looks at the output areas for the live status
OUTPUT_TAIL = 40  # lines of the command's output kept for the report


@dataclass(frozen=True)
class RunPlan:
    argv: tuple[str, ...]
    env: dict[str, str]
    layout: FakeOptMl
    isolation: Isolation
    stop_signal: signal.Signals = signal.SIGTERM
    grace: float = 120.0
    after: float | None = None  # seconds from the start, or from the --when match
    when: re.Pattern | None = None
    cwd: Path | None = None


@dataclass(frozen=True)
class LeftBehind:
    pid: int
    command: str
    fate: str  # what ended it


@dataclass
class RunResult:
    plan: RunPlan
    command_pid: int | None = None
    runtime: float = 0.0  # seconds from the start to the command's exit
    signal_sent_at: float | None = None  # seconds from the start; None: it ended before
    signal_wall: float | None = None  # the same moment as time.time(), to place file mtimes
    seconds_to_exit: float | None = None  # from the stop signal to the exit
    returncode: int | None = None  # as subprocess reports it: negative for a killing signal
    killed_at_deadline: bool = False
    trigger: str = ""  # what released the stop signal
    files: list[FileChange] = field(default_factory=list)
    left_behind: list[LeftBehind] = field(default_factory=list)
    output_tail: list[str] = field(default_factory=list)


class Progress(Protocol):
    def phase(self, text: str) -> None: ...
    def output(self, line: str) -> None: ...
    def file(self, path: str, size: int) -> None: ...
    def tick(self, phase: str, elapsed: float, to_signal: float | None, to_kill: float | None, files: int) -> None: ...
    def close(self) -> None: ...


_EXITED = object()  # put on the line queue by the waiting thread, to wake the loop at once


def run(plan: RunPlan, progress: Progress) -> RunResult:
    return _Run(plan, progress).run()


class _Run:
    def __init__(self, plan: RunPlan, progress: Progress) -> None:
        self.plan = plan
        self.progress = progress
        self.result = RunResult(plan, trigger="" if plan.when else f"--after {plan.after or 0:g} s")
        self.lines: queue.Queue = queue.Queue()
        self.tail: deque[str] = deque(maxlen=OUTPUT_TAIL)
        self.exited_at: list[float] = []
        self.output_closed = False

    def run(self) -> RunResult:
        plan, result, root = self.plan, self.result, self.plan.layout.root
        before = snapshot(root)
        self.start = time.monotonic()
        self.process = subprocess.Popen(
            [*plan.isolation.prefix, *plan.argv], env=plan.env, cwd=plan.cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # its own group
        self.group = self.process.pid  # a session leader leads its process group
        self.watch = ProcessWatch(self.process.pid, self.group, {self.process.pid})
        self.at_signal = None
        self.exits: ExitWatch | None = None
        # The exit watch reads PID 1's state when a child ends; read late, a worker that ended just
        # before its launcher looks killed with it. Where the kernel keeps exit statuses (6.15) how
        # the worker died settles that; before, the read must come within milliseconds: hand the
        # GIL over more often than every 5 ms while the other threads read output and sample /proc.
        # A pass of the cyclic garbage collector holds the GIL throughout, for tens of milliseconds
        # in a process that holds many objects (a test run, an editor's server): it waits until the
        # run is over.
        switch, collecting = sys.getswitchinterval(), gc.isenabled()
        sys.setswitchinterval(0.0002)
        gc.disable()
        try:
            threading.Thread(target=_read_lines, args=(self.process.stdout, self.lines), daemon=True).start()
            self.waiter = threading.Thread(target=self._wait, daemon=True)
            self.waiter.start()
            result.command_pid = namespace_init(self.process.pid) if plan.isolation.pid1 else self.process.pid
            self.watch.own.add(result.command_pid or self.process.pid)
            if plan.isolation.pid1 and result.command_pid is not None:
                self.exits = ExitWatch(result.command_pid)
            where = "as PID 1 of a new PID namespace" if plan.isolation.pid1 else "as an ordinary process (not PID 1)"
            self.progress.phase(f"started {shlex.join(plan.argv)} {where} (pid {result.command_pid}); fake /opt/ml: {root}")
            self._loop()
            if not result.killed_at_deadline:
                result.left_behind = self._left_after_exit()
        finally:
            self._kill_all(self.watch.sample())
            self.process.wait()
            if self.exits is not None:
                self.exits.close()
            sys.setswitchinterval(switch)
            if collecting:
                gc.enable()
        for line in _drain(self.lines, 0.5, until_closed=True):
            self._show(line)
        result.output_tail = list(self.tail)
        result.files = file_changes(before, self.at_signal, snapshot(root))
        return result

    def _loop(self) -> None:
        plan, result = self.plan, self.result
        matched_at = None if plan.when else self.start
        signal_at = kill_at = None
        seen_files = snapshot(plan.layout.root, OUTPUT_AREAS)
        next_file_poll = self.start + FILE_POLL
        while not self.exited_at:
            now = time.monotonic()
            for pid, command in self.watch.sample().items():
                if self.exits is not None:
                    self.exits.watch(pid, command)
            if now >= next_file_poll:
                seen_files = _announce_files(plan.layout.root, seen_files, self.progress)
                next_file_poll = now + FILE_POLL
            release = None if matched_at is None else matched_at + (plan.after or 0.0)
            if signal_at is None and release is not None and now >= release:
                self.at_signal = snapshot(plan.layout.root)
                result.signal_wall = time.time()
                signal_at = _send(result.command_pid, plan.stop_signal)
                result.signal_sent_at = signal_at - self.start
                kill_at = signal_at + plan.grace
                self.progress.phase(f"sent {plan.stop_signal.name} to pid {result.command_pid} at "
                                    f"{result.signal_sent_at:.1f} s ({result.trigger}); SIGKILL in {plan.grace:g} s")
            elif kill_at is not None and now >= kill_at:
                self._deadline(signal_at)
                return
            to_signal = None if release is None or signal_at is not None else release - now
            self.progress.tick("running" if signal_at is None else "stopping", now - self.start, to_signal,
                               None if kill_at is None else kill_at - now, len(seen_files))
            # Wait on the output until the next tick or moment, so a --when match and the exit show at once.
            wait = min([TICK, *(t - now for t in (release, kill_at) if t is not None and t > now)])
            for line in self._next_lines(wait):
                self._show(line)
                if matched_at is None and plan.when.search(line):
                    matched_at = time.monotonic()
                    after = f" + {plan.after:g} s" if plan.after else ""
                    result.trigger = f"output matched {plan.when.pattern!r}{after}"
        self.result.runtime = self.exited_at[0] - self.start
        self.result.returncode = self.process.wait()
        if signal_at is not None:
            self.result.seconds_to_exit = self.exited_at[0] - signal_at

    def _deadline(self, signal_at: float) -> None:
        children = dict(self.watch.last_alive)
        kill_sent = time.monotonic()
        self._kill_all(children)
        self.waiter.join()
        self.result.returncode = self.process.returncode
        ended = self.exited_at[0]
        if ended < kill_sent:  # it exited on its own in the last instant before the deadline
            self.result.runtime, self.result.seconds_to_exit = ended - self.start, ended - signal_at
            return
        self.result.killed_at_deadline = True
        self.result.returncode = -signal.SIGKILL  # what the command died of, whatever a launcher reports
        self.result.runtime, self.result.seconds_to_exit = kill_sent - self.start, kill_sent - signal_at
        self.result.left_behind = [LeftBehind(p, c, "killed with it at the deadline") for p, c in children.items()]
        self.progress.phase(f"deadline: sent SIGKILL to the process group {self.plan.grace:g} s after the stop signal")

    def _left_after_exit(self) -> list[LeftBehind]:
        if self.plan.isolation.pid1:
            # The kernel killed the rest of the namespace with PID 1. Who was still there: those that
            # ended while PID 1 was exiting, of SIGKILL where that is known, or, where pidfds are
            # missing, the last sample.
            fate = "killed by the kernel when PID 1 exited"
            if self.exits is not None and self.exits.available:
                self.exits.close()
                ended = sorted(self.exits.ended_with_command.items())
                return [LeftBehind(p, self.watch.commands.get(p, c), fate) for p, c in ended]  # as last read
            return [LeftBehind(p, c, fate) for p, c in self.watch.last_alive.items()]
        # Outside a namespace nothing ends them: sigcheck does, as the container's end would.
        return [LeftBehind(p, c, "still running when the command exited; killed by sigcheck")
                for p, c in self.watch.sample().items()]

    def _kill_all(self, others: dict[int, str]) -> None:
        """SIGKILL the group, then the command and the processes just seen, in case they left it. A
        PID is signalled only while it is known to be ours: the command before it is reaped, the
        others as just sampled."""
        targets = list(others)
        if self.process.poll() is None:
            targets = [p for p in (self.result.command_pid, self.process.pid) if p is not None] + targets
        if not targets:
            return
        # The group first, in one call: `unshare` dies with PID 1 instead of reporting its death.
        try:
            os.killpg(self.group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in targets:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _wait(self) -> None:
        self.process.wait()
        self.exited_at.append(time.monotonic())
        self.lines.put(_EXITED)

    def _next_lines(self, wait: float) -> list[str]:
        if self.output_closed:
            self.waiter.join(wait)
            return []
        got = _drain(self.lines, wait)
        if got and got[-1] is None:
            self.output_closed = True
            got.pop()
        return got

    def _show(self, line: str) -> None:
        self.tail.append(line)
        self.progress.output(line)


def _send(pid: int | None, stop_signal: signal.Signals) -> float:
    sent = time.monotonic()
    if pid is not None:
        try:
            os.kill(pid, stop_signal)
        except ProcessLookupError:
            pass  # it exited a moment ago; the waiting thread reports it
    return sent


def _announce_files(root: Path, seen: dict, progress: Progress) -> dict:
    current = snapshot(root, OUTPUT_AREAS)
    for path, (size, _mtime) in sorted(current.items()):
        if seen.get(path) != current[path]:
            progress.file(path, size)
    return current


def _read_lines(stream, lines: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    stream.close()
    lines.put(None)  # the pipe closed: every writer, children included, is gone


def _drain(lines: queue.Queue, timeout: float, until_closed: bool = False) -> list:
    """The lines queued within `timeout` (ending with None if the pipe closed); with `until_closed`,
    every line until the pipe closes or the time is up."""
    got: list = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            item = lines.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            return got
        if item is _EXITED:
            if until_closed:
                continue
            return got
        if item is None:
            return got if until_closed else [*got, None]
        got.append(item)
        if not until_closed:
            deadline = min(deadline, time.monotonic())  # take what is queued, wait for no more
