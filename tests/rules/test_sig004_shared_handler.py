"""SIG004 and a handler several entry points share: a run whose loop never leaves on the flag
is reported, though another entry point's loop does (mlcommons' Megatron: pretrain_gpt.py polls
the DistributedSignalHandler's flag, tasks/vision/main.py does not; triage CD)."""

from __future__ import annotations

COMMON = """
import signal

STOP = {"flag": False}


def install_handler():
    def handler(signum, frame):
        STOP["flag"] = True
    signal.signal(signal.SIGTERM, handler)
"""

PRETRAIN = """
import sys
import torch
from common import STOP, install_handler

if __name__ == "__main__":
    install_handler()
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for i in range(1_000_000):
        model(torch.ones(8, 4)).sum().backward()
        opt.step()
        if STOP["flag"]:
            torch.save(model.state_dict(), "ckpt.pt")
            sys.exit(0)
"""

# the same run, but its loop never reads the flag
FINETUNE = PRETRAIN.split("        if STOP")[0]


def test_a_run_whose_loop_never_leaves_on_the_flag_is_reported_beside_one_that_does(run_sigcheck):
    files = {"common.py": COMMON, "pretrain.py": PRETRAIN, "finetune.py": FINETUNE}
    alone = run_sigcheck(files, ["finetune.py"], select=("SIG004",)).diagnostics
    (finding,) = run_sigcheck(files, ["."], select=("SIG004",)).diagnostics
    assert [d.code for d in alone] == ["SIG004"]  # as a directory run says it: CI runs do not hide it
    assert finding.path == "common.py"
    assert finding.trace[0].path == "finetune.py"  # the way from the run it stops nothing in
    assert "returns without stopping in this run (it does in the run of pretrain.py):" in finding.message


def test_a_shared_handler_every_run_stops_on_is_not_reported(run_sigcheck):
    finetune = PRETRAIN.replace('torch.save(model.state_dict(), "ckpt.pt")', "pass")
    files = {"common.py": COMMON, "pretrain.py": PRETRAIN, "finetune.py": finetune}
    assert run_sigcheck(files, ["."], select=("SIG004",)).diagnostics == []
