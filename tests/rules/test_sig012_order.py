"""SIG012 judges loops by where they run relative to the handler's registration: a registration
the run-order walk could not place (its budget spent on a long run) leaves that unknown."""

from __future__ import annotations

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
