"""SIG010 and a handler that kills the child outright: SIGKILL ends it at once, and no handler of
its own runs, so nothing is passed on (axlearn's fault-tolerance agent; triage BP)."""

from __future__ import annotations

import pytest

AGENT = """
import os, signal, subprocess, sys

proc = subprocess.Popen([sys.executable, "train.py"], start_new_session=True)


def on_sigterm(signum, frame):
    STOP
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
proc.wait()
"""
TRAIN = """
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(100_000):
    model(torch.randn(8, 4)).sum().backward()
    optimizer.step()
"""


@pytest.mark.parametrize("stop, codes", [
    ("proc.kill()", ["SIG010"]),
    ("os.killpg(os.getpgid(proc.pid), signal.SIGKILL)", ["SIG010"]),
    ("os.kill(proc.pid, 9)", ["SIG010"]),
    ("proc.terminate()", []),
    ("os.killpg(os.getpgid(proc.pid), signal.SIGTERM)", []),
    ("os.kill(proc.pid, signum)", []),  # passes on the signal it got
], ids=["kill()", "killpg SIGKILL", "kill 9", "terminate()", "killpg SIGTERM", "the signal received"])
def test_a_handler_that_kills_the_child_outright_passes_nothing_on(run_sigcheck, stop, codes):
    report = run_sigcheck({"agent.py": AGENT.replace("STOP", stop), "train.py": TRAIN}, ["agent.py"], select=("SIG010",))
    assert [d.code for d in report.diagnostics] == codes
