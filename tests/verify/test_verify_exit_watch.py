"""How a child died, as the kernel keeps it for a pidfd's holder: the evidence that tells a worker
that ended on its own from one killed with PID 1, however late the watching thread runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from sigcheck.verify.observation import exit_status, killed_by_sigkill

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.mark.parametrize("argv, stop, status", [
    ([sys.executable, "-c", "raise SystemExit(7)"], None, 7 << 8),
    (SLEEPER, signal.SIGTERM, signal.SIGTERM),
    (SLEEPER, signal.SIGKILL, signal.SIGKILL),
])
def test_exit_status_is_the_wait_status_of_the_reaped_process(status_through_pidfd, argv, stop, status):
    assert status_through_pidfd(argv, stop) == status


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="no pidfds here")
def test_no_exit_status_before_the_process_is_reaped():
    child = subprocess.Popen(SLEEPER)
    pidfd = os.pidfd_open(child.pid)
    try:
        assert exit_status(pidfd) is None  # running
        child.kill()
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # a zombie now, not yet reaped
        assert exit_status(pidfd) is None
    finally:
        child.wait()
        os.close(pidfd)


def test_only_sigkill_or_an_unknown_end_could_come_from_pid1s_exit():
    assert killed_by_sigkill(signal.SIGKILL)
    assert killed_by_sigkill(None)  # unknown: the moment it ended decides
    assert not killed_by_sigkill(signal.SIGTERM)
    assert not killed_by_sigkill(0)  # exited with status 0
    assert not killed_by_sigkill(9 << 8)  # exited with status 9, not killed by signal 9
