"""SIG007 and a Trainer vendored into the project (ChatGLM-6B's copy of transformers 4.27's):
its loops hand `self` to transformers' deepspeed_init, which calls only its create_optimizer and
create_scheduler, so its evaluate() trains nothing, and an `if` that holds the registration and
the training holds all of it (triage DL). An unknown library handed the trainer may call any method."""

from __future__ import annotations

import pytest

TRAINER = """
from {module} import {function}


class Trainer:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def training_step(self, batch):
        self.model(batch).backward()
        self.optimizer.step()

    def train(self, loader):
        {function}(self, num_training_steps=len(loader))
        for batch in loader:
            self.training_step(batch)

    def evaluate(self, loader):
        {function}(self, 0, inference=True)
        for batch in loader:
            self.model(batch)
"""

SCRIPT = """
import argparse
import signal
import sys

from trainer import Trainer


def on_sigterm(signum, frame):
    trainer.model.save_pretrained("/opt/ml/checkpoints/last")
    sys.exit(0)


args = argparse.ArgumentParser().parse_args()
trainer = Trainer(model, optimizer)
if args.do_train:
    signal.signal(signal.SIGTERM, on_sigterm)
    trainer.train(loader)
if args.do_eval:
    trainer.evaluate(val_loader)
"""


@pytest.mark.parametrize("module, function, reported", [
    ("transformers.deepspeed", "deepspeed_init", False),
    ("transformers.integrations.deepspeed", "deepspeed_init", False),
    ("somelib.engine", "prepare_engine", True),
])
def test_an_if_around_the_registration_and_the_training_is_no_condition(run_sigcheck, module, function, reported):
    files = {"trainer.py": TRAINER.format(module=module, function=function), "train.py": SCRIPT}
    report = run_sigcheck(files, ["train.py"], select=("SIG007",))
    assert len(report.diagnostics) == (1 if reported else 0)
