"""What the benchmark scripts share: timing a command with its peak memory, medians, the machine.

Each command runs as a child process and is reaped with `os.wait4`, which returns that child's
own resource usage: its peak RSS is the largest of the child and the processes it waited for (a
worker pool's biggest process, not their sum), unaffected by earlier children of this script.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    seconds: float  # wall clock, median of the repeats
    rss_mib: float  # peak resident set size, the largest of the repeats
    status: int  # exit status of the last repeat
    stderr: str  # the end of the last repeat's stderr, to show when something went wrong
    failed: bool = False  # set by the caller when the output shows the command did not do its job

    @property
    def rss(self) -> str:
        return f"{self.rss_mib:,.0f} MiB"


MEMORY_LIMIT_GIB = 8.0  # per command: the machine is shared, and a runaway must fail, not wake the OOM killer


def _limit_memory(gib: float):
    def apply() -> None:  # in the child, before exec: a MemoryError there, not an out-of-memory machine
        limit = int(gib * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def run_once(command: list[str], cwd: Path, stdout: Path | None = None, env: dict | None = None,
             memory_gib: float | None = None) -> Measured:
    """Run `command` to the end; its stdout goes to `stdout` (a file: pipes could fill and stall it).
    Its address space is capped at `memory_gib` (0: no cap); a command that needs more fails."""
    memory_gib = MEMORY_LIMIT_GIB if memory_gib is None else memory_gib
    with open(stdout or os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                   preexec_fn=_limit_memory(memory_gib) if memory_gib else None)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        err.seek(0)
        tail = err.read()[-3000:].decode("utf-8", "replace")
    return Measured(seconds, usage.ru_maxrss / 1024, process.returncode, tail)  # ru_maxrss is in KiB on Linux


def run_repeated(command: list[str], cwd: Path, repeat: int, stdout: Path | None = None,
                 env: dict | None = None, before=None) -> Measured:
    """The median time and the peak memory of `repeat` runs; `before()` runs ahead of each one, untimed."""
    runs = []
    for _ in range(max(repeat, 1)):
        if before is not None:
            before()
        runs.append(run_once(command, cwd, stdout, env))
    return Measured(statistics.median(r.seconds for r in runs), max(r.rss_mib for r in runs),
                    runs[-1].status, runs[-1].stderr)


def machine() -> str:
    """`nproc`, the CPU model and the Python version, as the README records them with the figures."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpus} CPUs ({model}), Python {platform.python_version()} on {platform.system()} {platform.release()}"


def ratio(a: Measured | None, b: Measured | None) -> str:
    if a is None or b is None or b.seconds <= 0:
        return "n/a"
    return f"{a.seconds / b.seconds:.2f}×"


def row(name: str, measured: Measured | None, note: str = "") -> str:
    if measured is None:
        return f"  {name:<34} {'—':>10} {'—':>10}  {note}"
    failed = "" if measured.status in (0, 1, 2) else f" (exit {measured.status})"  # linters exit 1 on findings
    return f"  {name:<34} {measured.seconds:>9.2f}s {measured.rss:>10}  {note}{failed}"


def say(text: str = "") -> None:
    print(text, flush=True)  # progress and results interleave with long runs: show them as they come


def python() -> str:
    return sys.executable


def slope(xs, ys) -> float:
    """Least-squares slope of log(y) against log(x): 1 is linear growth, 2 quadratic."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)
