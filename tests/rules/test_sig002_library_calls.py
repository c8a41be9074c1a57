"""SIG002 and a model handed to a library call in the handler: a call that copies it, watches it
or unwraps it runs none of the methods the project adds, so the handler's model.save_pretrained
is not reached through it (triage DJ); a library call sigcheck knows nothing about may call any."""

from __future__ import annotations

import pytest

CODE = """
import copy
import signal
import sys

import torch
import wandb
from accelerate import Accelerator


class Wrapper(torch.nn.Module):
    def forward(self, x):
        return x

    def save_pretrained(self, path):
        torch.save(self.state_dict(), path)


accelerator = Accelerator()
model = Wrapper()


def on_sigterm(signum, frame):
    {call}
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    model(batch).sum().backward()
    optimizer.step()
"""


@pytest.mark.parametrize("call, reported", [
    ("copy.deepcopy(model)", True),
    ("wandb.watch(model)", True),
    ("accelerator.unwrap_model(model)", True),
    ("model.save_pretrained('/opt/ml/checkpoints/last')", False),
    ("custom_lib.export(model)", False),  # an unknown library may call any method it is handed
])
def test_a_library_call_the_handler_hands_the_model_to_runs_only_what_it_is_known_to(run_sigcheck, call, reported):
    report = run_sigcheck({"train.py": CODE.format(call=call)}, ["train.py"], select=("SIG002",))
    assert len(report.diagnostics) == (1 if reported else 0)
