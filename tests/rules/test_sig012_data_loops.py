"""SIG012 and a loop over data written through a variable: yolov9's validation binds
`pbar = tqdm(dataloader)` and loops over it (triage DL). The variable's value says what the loop
goes over; a counted loop or a list of one step's parts says nothing more through one."""

from __future__ import annotations

import pytest

CODE = """
import signal, sys, torch
from tqdm import tqdm

STOP = False


def on_sigterm(signum, frame):
    global STOP
    STOP = True


def validate(model, loader):
    {bind}
    for x, y in {iterated}:
        model(x)


signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    for x, y in train_loader:
        model(x).sum().backward()
        optimizer.step()
        if STOP:
            torch.save(model.state_dict(), "/opt/ml/checkpoints/last.pt")
            sys.exit(0)
    validate(model, val_loader)
"""


@pytest.mark.parametrize("bind, iterated, reported", [
    ("pbar = tqdm(loader)", "pbar", True),
    ("batches = enumerate(loader)", "batches", True),
    ("it = iter(loader)", "it", True),
    ("pbar = tqdm(range(3))", "pbar", False),
])
def test_a_loop_over_a_variable_bound_to_a_loader_goes_over_data(run_sigcheck, bind, iterated, reported):
    report = run_sigcheck({"train.py": CODE.format(bind=bind, iterated=iterated)}, ["train.py"], select=("SIG012",))
    assert [d.line for d in report.diagnostics] == ([14] if reported else [])
