"""A Hugging Face TrainerCallback that answers the SIGTERM flag with `control.should_save = True`
makes the Trainer save a checkpoint at the end of that step, and one that then asks it to stop
(in on_save, through a flag of its own) stops it: ms-swift's GracefulExitCallback (triage BK)."""

from __future__ import annotations

import pytest

CALLBACKS = """
import signal

from transformers import TrainerCallback


class GracefulExitCallback(TrainerCallback):
    def __init__(self):
        self.stop = False
        self.pending = False
        signal.signal(signal.SIGTERM, self._handler)

    def _handler(self, signum, frame):
        self.stop = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.stop:
            ANSWER
        return control

    def on_save(self, args, state, control, **kwargs):
        if self.pending:
            control.should_training_stop = True
        return control
"""
TRAIN = """
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

from callbacks import GracefulExitCallback

model = AutoModelForCausalLM.from_pretrained("gpt2")
trainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), callbacks=[GracefulExitCallback()])
trainer.train()
"""


@pytest.mark.parametrize("answer, codes", [
    ("control.should_save = True\n            self.pending = True", []),
    ("control.should_save = True\n            control.should_training_stop = True", []),
    ("control.should_save = True", ["SIG004"]),  # saved, but the training goes on
    ("self.pending = True", ["SIG002"]),  # stops after the next save, which nothing asks for now
    ("control.should_save = False\n            self.pending = True", ["SIG002"]),
], ids=["save, then stop in on_save", "save and stop", "save only", "stop only", "told not to save"])
def test_a_callback_that_asks_the_trainer_to_save(run_sigcheck, answer, codes):
    files = {"train.py": TRAIN, "callbacks.py": CALLBACKS.replace("ANSWER", answer)}
    report = run_sigcheck(files, ["train.py"], select=("SIG002", "SIG004"))
    assert sorted(d.code for d in report.diagnostics) == codes
