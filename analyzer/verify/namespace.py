"""Run the command as PID 1 of a new PID namespace, as it runs in a container.

The kernel delivers a signal from outside the namespace to its PID 1 only if PID 1 handles it
(SIGKILL excepted): a script with no SIGTERM handler ignores `docker stop` until the SIGKILL.
Run as an ordinary process, the same script dies at once. `unshare --pid --fork` makes the
namespace; a non-root user needs a user namespace as well, mapping them to root inside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache

from sigcheck.verify.observation import process_table


@dataclass(frozen=True)
class Isolation:
    """How the command runs: `prefix` goes before its argv; `reason` says why there is no namespace."""

    pid1: bool
    prefix: tuple[str, ...] = ()
    reason: str = ""


def unshare_argv(unshare: str, as_root: bool) -> tuple[str, ...]:
    # --mount-proc gives the namespace its own /proc, so `ps` inside shows what a container shows.
    user = () if as_root else ("--user", "--map-root-user")
    return (unshare, *user, "--pid", "--fork", "--mount-proc")


@lru_cache(maxsize=1)
def pid_namespace() -> Isolation:
    """Probe once whether a PID namespace can be made here, and say plainly why not."""
    if not sys.platform.startswith("linux"):
        return Isolation(False, reason=f"PID namespaces exist only on Linux (this is {sys.platform})")
    unshare = shutil.which("unshare")
    if unshare is None:
        return Isolation(False, reason="the `unshare` command (util-linux) is not installed")
    prefix = unshare_argv(unshare, os.geteuid() == 0)
    try:
        probe = subprocess.run([*prefix, "sh", "-c", "test $$ = 1"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Isolation(False, reason=f"`unshare` could not run: {exc}")
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        return Isolation(False, reason=f"no PID namespace could be made ({detail})")
    return Isolation(True, prefix)


def no_namespace(reason: str) -> Isolation:
    return Isolation(False, reason=reason)


def namespace_init(launcher_pid: int, timeout: float = 5.0) -> int | None:
    """The host PID of the namespace's PID 1: the child `unshare --fork` made, which then runs the command."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = _children(launcher_pid)
        if children:
            return children[0]
        if not os.path.exists(f"/proc/{launcher_pid}"):
            return None
        time.sleep(0.005)
    return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:  # a kernel without CONFIG_PROC_CHILDREN: scan every process's parent
        return sorted(info.pid for info in process_table().values() if info.ppid == pid)
