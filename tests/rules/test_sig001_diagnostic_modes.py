"""SIG001's finding stands at the job's training, not at a diagnostic mode's that ends the process
before it: gpt-neox's `if coord_check: mup_coord_check(...)` plots a few steps and calls
sys.exit(1), and the real loop comes after (triage AW). Where the only training is such a mode's,
it is reported there."""

from __future__ import annotations

import pytest

DIAG = """
import sys
import torch


def coord_check(model, opt):
    for seed in range(3):
        for step in range(5):
            import train
            train.train_step(model, opt, torch.randn(4, 8))
    print("saved coord check plots... exiting")
    EXIT
"""
TRAIN = """
import sys
import torch

from diag import coord_check


def train_step(model, opt, x):
    loss = model(x).sum()
    loss.backward()
    opt.step()
    opt.zero_grad()


def pretrain(args):
    model = torch.nn.Linear(8, 8)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    if args.coord_check:
        coord_check(model, opt)
    it = 0
    while it < args.train_iters:
        train_step(model, opt, torch.randn(4, 8))
        it += 1


if __name__ == "__main__":
    pretrain(parse())
"""


def sig001_lines(report) -> list[tuple[str, int]]:
    return [(d.path, d.line) for d in report.diagnostics if d.code == "SIG001"]


@pytest.mark.parametrize("exit", ["sys.exit(1)", "raise SystemExit(1)", "quit()"])
def test_the_finding_stands_at_the_training_after_a_mode_that_exits(run_sigcheck, exit):
    report = run_sigcheck({"train.py": TRAIN, "diag.py": DIAG.replace("EXIT", exit)})
    assert sig001_lines(report) == [("train.py", 20)]


def test_a_mode_that_returns_is_the_first_training(run_sigcheck):
    report = run_sigcheck({"train.py": TRAIN, "diag.py": DIAG.replace("EXIT", "return")})
    assert sig001_lines(report) == [("diag.py", 6)]


def test_the_only_training_in_a_mode_that_exits_is_reported_there(run_sigcheck):
    only = TRAIN.replace("    while it < args.train_iters:\n        train_step(model, opt, torch.randn(4, 8))\n"
                         "        it += 1\n", "    print(it)\n")
    assert only != TRAIN
    report = run_sigcheck({"train.py": only, "diag.py": DIAG.replace("EXIT", "sys.exit(1)")})
    assert sig001_lines(report) == [("diag.py", 6)]
