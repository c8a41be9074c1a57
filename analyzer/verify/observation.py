"""What the run leaves behind: files under the fake /opt/ml, and processes still alive.

Files are compared as (size, mtime) snapshots taken before the start, when the stop signal is
sent and after the end, so "saved after the signal" never depends on clock granularity.
Processes are read from /proc: the descendants of the process sigcheck started plus the members
of its process group (a double-forked child is reparented but keeps the group).
"""

from __future__ import annotations

import os
import queue
import select
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sigcheck.verify.layout import OUTPUT_AREAS

PF_EXITING = 0x4  # the kernel's per-task flag, set as a process starts to exit (the 9th field of stat)

# PIDFD_GET_INFO, the pidfd ioctl that reads a process's details: _IOWR(0xFF, 11, struct pidfd_info)
# with the first, 64-byte version of the struct. With PIDFD_INFO_EXIT (Linux 6.15) it gives, once
# the process has been reaped, its wait status: kept by the kernel for whoever holds a pidfd.
# The number is in the generic ioctl encoding (x86, arm64...): elsewhere the call fails, as on older kernels.
PIDFD_INFO_SIZE = 64
PIDFD_GET_INFO = (3 << 30) | (PIDFD_INFO_SIZE << 16) | (0xFF << 8) | 11
PIDFD_INFO_EXIT = 0x8
PIDFD_INFO_EXIT_CODE_AT = 60  # the offset of `__s32 exit_code` in struct pidfd_info

Snapshot = dict[str, tuple[int, int]]  # path relative to the root -> (size, mtime in ns)


@dataclass(frozen=True)
class FileChange:
    path: str  # relative to the fake /opt/ml, with '/'
    area: str  # model | checkpoints | output | elsewhere
    change: str  # new | changed | deleted
    size: int
    mtime: float  # seconds since the epoch; 0 for a deleted file
    after_signal: bool  # written (or deleted) after the stop signal was sent

    @property
    def kept(self) -> bool:
        """In an area SageMaker uploads or syncs; elsewhere it is lost with the container."""
        return self.area != "elsewhere"


def area_of(relative: str) -> str:
    top = relative.split("/", 1)[0]
    return top if top in OUTPUT_AREAS else "elsewhere"


def snapshot(root: Path, areas: tuple[str, ...] | None = None) -> Snapshot:
    """Every regular file under `root` (or only under the top-level `areas`), symlinks not followed."""
    found: Snapshot = {}
    starts = [root / a for a in areas] if areas is not None else [root]
    stack = [p for p in starts if p.is_dir()]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue  # removed while we looked, or unreadable: the next snapshot will tell
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    found[Path(entry.path).relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns)
            except OSError:
                continue
    return found


def file_changes(before: Snapshot, at_signal: Snapshot | None, after: Snapshot) -> list[FileChange]:
    changes = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        change = "new" if old is None else "deleted" if new is None else "changed"
        after_signal = at_signal is not None and at_signal.get(path) != new
        size, mtime_ns = new if new is not None else (0, 0)
        changes.append(FileChange(path, area_of(path), change, size, mtime_ns / 1e9, after_signal))
    return changes


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    group: int
    state: str
    command: str


def process_table() -> dict[int, ProcessInfo]:
    """Every process visible in /proc (empty where there is no /proc)."""
    table = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue  # it exited between listdir and open
        # The command name is in parentheses and may itself contain spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) < 3:
            continue
        table[int(name)] = ProcessInfo(int(name), int(fields[1]), int(fields[2]), fields[0], stat[stat.find("(") + 1:stat.rfind(")")])
    return table


def command_line(pid: int, fallback: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read()
    except OSError:
        return fallback
    words = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    return " ".join(words).replace("\n", "\\n") or fallback  # one line, even for `python -c` code


class ProcessWatch:
    """The processes a run started, sampled on every tick; `alive()` excludes zombies."""

    def __init__(self, root_pid: int, group: int, own: set[int]) -> None:
        self.root_pid = root_pid
        self.group = group
        self.own = set(own)  # the launcher and the command itself: not "children"
        self.commands: dict[int, str] = {}
        self.last_alive: dict[int, str] = {}

    def sample(self) -> dict[int, str]:
        table = process_table()
        children: dict[int, list[int]] = {}
        for info in table.values():
            children.setdefault(info.ppid, []).append(info.pid)
        members = {p.pid for p in table.values() if p.group == self.group}
        stack = [self.root_pid]
        while stack:
            pid = stack.pop()
            for child in children.get(pid, ()):
                if child not in members:
                    members.add(child)
                    stack.append(child)
        alive = {}
        for pid in sorted(members - self.own):
            info = table.get(pid)
            if info is None or info.state in ("Z", "X"):
                continue
            # Read again on every sample: a forked child shows its parent's command until it execs.
            self.commands[pid] = command_line(pid, self.commands.get(pid, info.command))
            alive[pid] = self.commands[pid]
        self.last_alive = alive
        return alive


def is_exiting(pid: int) -> bool:
    """Whether the process has started to exit (or is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("utf-8", "replace")
    except OSError:
        return True
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[0] in ("Z", "X") or bool(int(fields[6]) & PF_EXITING)


def exit_status(pidfd: int) -> int | None:
    """The wait status of the reaped process behind `pidfd`, as os.waitstatus_to_exitcode takes it;
    None while it is not reaped, or where the kernel keeps no exit status (before Linux 6.15)."""
    import fcntl  # Linux only, as pidfds are

    info = bytearray(PIDFD_INFO_SIZE)
    info[:8] = PIDFD_INFO_EXIT.to_bytes(8, sys.byteorder)  # the request mask
    try:
        fcntl.ioctl(pidfd, PIDFD_GET_INFO, info)
    except OSError:
        return None  # no such ioctl (before 6.13), or no exit status yet
    if not int.from_bytes(info[:8], sys.byteorder) & PIDFD_INFO_EXIT:
        return None
    code = info[PIDFD_INFO_EXIT_CODE_AT:PIDFD_INFO_EXIT_CODE_AT + 4]
    return int.from_bytes(code, sys.byteorder, signed=True)


def killed_by_sigkill(status: int | None) -> bool:
    """Whether a process with this wait status could have been killed by PID 1's exit: the kernel
    ends the rest of the namespace with SIGKILL. Unknown (None) counts as could."""
    return status is None or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL)


class ExitWatch:
    """Notes, the moment each watched child ends, whether the command's own process had already
    started to exit. In a PID namespace PID 1's exit kills everything else in it, so a child that
    ends while PID 1 is exiting was still running when the command ended; one that ended before
    had finished on its own. A sample every tick cannot tell the two apart: a launcher's exit
    follows its worker's by milliseconds. Uses pidfds (Linux 5.3); `available` says if it can.

    That moment is read by a thread, which may run late (a busy machine, the GIL): a worker that
    ended on its own just before PID 1 then looks as if it ended with it. Lateness never hides a
    child killed with PID 1, so each suspect is checked against how it died, once every process
    is reaped: PID 1's exit kills with SIGKILL; a worker that exited, or died of the SIGTERM its
    launcher forwarded, ended on its own. Where the kernel keeps no exit status (before 6.15) the
    moment alone decides."""

    def __init__(self, command_pid: int) -> None:
        self.command_pid = command_pid
        self.available = hasattr(os, "pidfd_open")
        self.ended_with_command: dict[int, str] = {}
        self._suspects: dict[int, tuple[int, str]] = {}  # pid -> (its pidfd, kept open; command)
        self._requests: queue.Queue = queue.Queue()
        self._watched: set[int] = set()
        self._wake_read, self._wake_write = os.pipe()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.available:
            self._thread.start()

    def watch(self, pid: int, command: str) -> None:
        if self.available and pid not in self._watched:
            self._watched.add(pid)
            self._requests.put((pid, command))
            os.write(self._wake_write, b".")

    def close(self) -> None:
        """Take the last ends into account and stop. Call once every watched process is gone and
        reaped (PID 1 has exited), so their exit statuses are known."""
        if self._stopping:
            return
        self._stopping = True
        if self.available:
            os.write(self._wake_write, b".")
            self._thread.join(timeout=5)
        for pid, (fd, command) in sorted(self._suspects.items()):
            if killed_by_sigkill(exit_status(fd)):
                self.ended_with_command[pid] = command
            os.close(fd)
        self._suspects.clear()
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._wake_read, select.POLLIN)
        open_fds: dict[int, tuple[int, str]] = {}
        while True:
            ready = [fd for fd, _ in poller.poll()]
            exiting = is_exiting(self.command_pid)  # read at once: the answer is about this moment
            for fd in ready:
                if fd == self._wake_read:
                    os.read(self._wake_read, 4096)
                    continue
                pid, command = open_fds.pop(fd)
                poller.unregister(fd)
                if exiting:
                    self._suspects[pid] = (fd, command)  # the pidfd will tell how it died
                else:
                    os.close(fd)
            while not self._requests.empty():
                pid, command = self._requests.get()
                try:
                    fd = os.pidfd_open(pid)
                except OSError:
                    continue  # already gone: it ended on its own before PID 1 did
                open_fds[fd] = (pid, command)
                poller.register(fd, select.POLLIN)
            if self._stopping and self._requests.empty():
                for fd in open_fds:
                    os.close(fd)
                return
