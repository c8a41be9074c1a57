from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sigcheck.verify.observation import exit_status


def _status_through_pidfd(argv: list[str], stop: int | None = None) -> int | None:
    """Run argv, optionally send it `stop`, reap it, and read its exit status through a pidfd."""
    child = subprocess.Popen(argv)
    pidfd = os.pidfd_open(child.pid)  # before the wait below reaps it (a zombie keeps its pid)
    try:
        if stop is not None:
            child.send_signal(stop)
        child.wait()
        return exit_status(pidfd)
    finally:
        os.close(pidfd)


@pytest.fixture(scope="session")
def status_through_pidfd():
    """`status_through_pidfd(argv, stop=None)`; skips the test where the kernel keeps no exit
    status for a pidfd's holder (before Linux 6.15)."""
    if not hasattr(os, "pidfd_open") or _status_through_pidfd([sys.executable, "-c", "pass"]) is None:
        pytest.skip("the kernel keeps no exit status for pidfds (Linux 6.15)")
    return _status_through_pidfd
