"""SIG003 and a handler that runs a shell command: `os.system` waits for /bin/sh and the command
with no bound, as `subprocess.call` does without a timeout (co-tracker's requeue handler runs
`os.system("scontrol requeue ...")`; triage CS)."""

from __future__ import annotations

import pytest

HANDLER = """
import os
import signal
import subprocess
import sys

import torch

model = torch.nn.Linear(2, 2)


def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")
    CALL
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(100_000):
    model(torch.randn(4, 2)).sum().backward()
    optimizer.step()
"""


@pytest.mark.parametrize("call, codes", [
    ('os.system("scontrol requeue " + os.environ["SLURM_JOB_ID"])', ["SIG003"]),
    ('subprocess.call("scontrol requeue $SLURM_JOB_ID", shell=True)', ["SIG003"]),
    ('subprocess.call("scontrol requeue $SLURM_JOB_ID", shell=True, timeout=10)', []),
    ('os.environ.get("SLURM_JOB_ID")', []),
], ids=["os.system", "subprocess.call", "subprocess.call with a timeout", "no command"])
def test_a_handler_that_runs_a_shell_command_waits_for_it(run_sigcheck, call, codes):
    report = run_sigcheck({"train.py": HANDLER.replace("CALL", call)}, ["train.py"], select=("SIG003",))
    assert [d.code for d in report.diagnostics] == codes
