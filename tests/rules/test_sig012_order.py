"""SIG012 judges loops by where they run relative to the handler's registration: a registration
the run-order walk could not place (its budget spent on a long run) leaves that unknown."""

from __future__ import annotations

import pytest

from sigcheck.checking.entries import EntryFacts

CODE = """
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    for batch in train_loader:
        model(batch).backward()
        optimizer.step()
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
"""


def _sig012(report):
    return [(d.line, d.code) for d in report.diagnostics if d.code == "SIG012"]


def test_a_loop_after_the_placed_registration_is_reported(run_sigcheck):
    assert _sig012(run_sigcheck({"train.py": CODE}, select=("SIG012",))) == [(11, "SIG012")]  # the batch loop


def test_nothing_is_reported_for_a_registration_the_run_order_did_not_place(run_sigcheck, monkeypatch):
    placed = EntryFacts.position

    def unplaced(self, func_id, event):
        return None if type(event).__name__ == "CallSite" and event.index == self.analysis.sigterm_registrations()[0].site.index \
            else placed(self, func_id, event)

    monkeypatch.setattr(EntryFacts, "position", unplaced)
    assert _sig012(run_sigcheck({"train.py": CODE}, select=("SIG012",))) == []


def test_the_trace_starts_at_the_entry_point_and_names_the_others_that_reach_the_loop(run_sigcheck):
    """Megatron: the handler is registered inside a shared `pretrain`, which every pretrain_*.py
    script calls; an evaluation loop in it never checks the flag. The trace began at the
    registration, before the call that reaches it, and no other entry point was named."""
    lib = """
import signal, sys
import torch

STOP = False

def on_sigterm(signum, frame):
    global STOP
    STOP = True

def evaluate(model, loader):
    for batch in loader:
        model(batch)

def pretrain(model, loader, optimizer):
    signal.signal(signal.SIGTERM, on_sigterm)
    for it in range(10**6):
        model(torch.ones(1)).sum().backward()
        optimizer.step()
        if it % 100 == 0:
            evaluate(model, loader)
        if STOP:
            torch.save(model.state_dict(), "ckpt.pt")
            sys.exit(0)
"""
    main = "from lib import pretrain\n\nif __name__ == '__main__':\n    pretrain(model, loader, optimizer)\n"
    files = {"lib.py": lib, "pretrain_gpt.py": main, "pretrain_vision.py": main}
    [finding] = run_sigcheck(files, ["."], select=("SIG012",)).diagnostics
    assert [(step.path, step.note) for step in finding.trace] == [
        ("pretrain_gpt.py", "calls pretrain"), ("lib.py", "SIGTERM handler registered here"),
        ("lib.py", "calls evaluate"), ("lib.py", "this loop never checks the flag")]
    assert finding.also_run_from == ("pretrain_vision.py",)


_BRANCHES = """
import signal, sys, torch

STOP = False


def on_term(signum, frame):
    global STOP
    STOP = True


def train(model, opt):
    signal.signal(signal.SIGTERM, on_term)
    for step in range(1_000_000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
        if STOP:
            torch.save(model.state_dict(), "ckpt.pt")
            break


def finetune(model, opt):
    for step in range(100_000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()


def main(model, opt):
DISPATCH


main(torch.nn.Linear(4, 1), opt)
"""


@pytest.mark.parametrize("dispatch, lines", [
    # dreamerv3's `if script == "train": ... elif script == "eval_only": ...` (triage DE): one side runs
    ("    if sys.argv[1] == 'train':\n        train(model, opt)\n    elif sys.argv[1] == 'finetune':\n        finetune(model, opt)", []),
    # both run, one after the other: the handler is there when the second loop runs
    ("    train(model, opt)\n    finetune(model, opt)", [22]),
], ids=["two sides of one if", "one after the other"])
def test_a_loop_on_the_other_side_of_the_if_that_registers_runs_without_the_handler(run_sigcheck, dispatch, lines):
    report = run_sigcheck({"train.py": _BRANCHES.replace("DISPATCH", dispatch)}, select=("SIG012",))
    assert [d.line for d in report.diagnostics] == lines


_EVALUATES = """
import signal
import torch

STOP = False


def on_sigterm(signum, frame):
    global STOP
    STOP = True


def evaluate(model, eval_loader):
    with torch.no_grad():
        for batch in eval_loader:
            model(batch)


def main(model, optimizer, loader, eval_loader):
    signal.signal(signal.SIGTERM, on_sigterm)
    BEFORE
    for step, batch in enumerate(loader):
        model(batch).sum().backward()
        optimizer.step()
        if STOP:
            torch.save(model.state_dict(), "last.pt")
            break
        IN_LOOP


main(torch.nn.Linear(2, 2), None, [], [])
"""


@pytest.mark.parametrize("before, in_loop, lines", [
    # seamless' trainer evaluates 100 batches before training and again in its loop (triage DG)
    ("evaluate(model, eval_loader)", "if step % 1000 == 0:\n            evaluate(model, eval_loader)", [14]),
    ("pass", "if step % 1000 == 0:\n            evaluate(model, eval_loader)", [14]),
    # only before the training: a stop there has lost nothing yet
    ("evaluate(model, eval_loader)", "pass", []),
], ids=["before and in the loop", "in the loop", "before only"])
def test_a_loop_the_run_meets_again_during_training_is_judged_there(run_sigcheck, before, in_loop, lines):
    code = _EVALUATES.replace("BEFORE", before).replace("IN_LOOP", in_loop)
    assert [d.line for d in run_sigcheck({"train.py": code}, select=("SIG012",)).diagnostics] == lines
