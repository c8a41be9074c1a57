"""What the run leaves behind: files under the fake /opt/ml, and processes still alive.

Files are compared as (size, mtime) snapshots taken before the start, when the stop signal is
sent and after the end, so "saved after the signal" never depends on clock granularity.
Processes are read from /proc: the descendants of the process sigcheck started plus the members
of its process group (a double-forked child is reparented but keeps the group).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sigcheck.verify.layout import OUTPUT_AREAS

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
    return " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part) or fallback


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
