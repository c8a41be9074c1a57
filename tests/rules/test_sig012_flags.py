"""SIG012 is about a stop flag: what a handler sets that some loop of the run looks at."""

from __future__ import annotations

TELEMETRY = """
import os, signal, torch

_span = None

def end_span():
    global _span
    if _span is not None:
        _span = None

def on_sigterm(signum, frame):
    end_span()
    previous(signum, frame)

signal.signal(signal.SIGTERM, on_sigterm)
_span = object()
for epoch in range(100):
    for batch in loader:
        model(batch).backward()
        optimizer.step()
    torch.save(model.state_dict(), "ckpt.pt")
end_span()
"""


def test_state_a_handler_resets_that_no_loop_looks_at_is_no_stop_flag(run_sigcheck):
    """Megatron's telemetry handler ends its span (`_span = None`) and hands over to the handler
    installed before: only a plain `if` looks at the span, so no loop is told to check it."""
    report = run_sigcheck({"train.py": TELEMETRY}, ["train.py"], select=("SIG012",))
    assert report.diagnostics == []


def test_the_same_state_looked_at_by_the_epoch_loop_is_a_stop_flag(run_sigcheck):
    polled = TELEMETRY.replace('    torch.save(model.state_dict(), "ckpt.pt")\n',
                               '    if _span is None:\n        torch.save(model.state_dict(), "ckpt.pt")\n        break\n')
    report = run_sigcheck({"train.py": polled}, ["train.py"], select=("SIG012",))
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG012", 17)]


def test_a_flag_checked_only_once_the_training_ends_is_polled_by_no_loop(run_sigcheck):
    code = """
import signal, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    for batch in loader:
        model(batch).backward()
        optimizer.step()
if stop:
    torch.save(model.state_dict(), "ckpt.pt")
"""
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG012",))
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG012", 10)]
