"""Determined stops a trial by preemption, not by a signal: a run that polls the master's request
(`core_context.preempt.should_preempt()`, or a Determined callback or Trainer that polls it) stops
as Determined asks, and SIG001 stays silent; a Core API loop that never polls is still reported
(determined-ai/determined's examples: the tutorial stages before preemption support)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

_CORE_LOOP = """
import determined as det
import torch


def main(core_context):
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    # expect: SIG001
    for epoch in range(100):
        for batch in range(1000):
            model(torch.randn(8, 4)).sum().backward()
            optimizer.step()
        with core_context.checkpoint.store_path({"epoch": epoch}) as (path, storage_id):
            torch.save(model.state_dict(), path / "checkpoint.pt")
{poll}

if __name__ == "__main__":
    with det.core.init() as core_context:
        main(core_context=core_context)
"""
_POLLS = "        if core_context.preempt.should_preempt():\n            return\n"

STOPS_WHEN_ASKED = (
    Example(_CORE_LOOP.replace("{poll}", _POLLS).replace("    # expect: SIG001\n", ""),
            "the Core API loop leaves when the master asks for preemption"),
    Example("""
import determined as det
from determined.transformers import DetCallback
from transformers import Trainer, TrainingArguments

with det.core.init() as core_context:
    args = TrainingArguments(output_dir="out")
    trainer = Trainer(model=model, args=args, train_dataset=train_dataset)
    trainer.add_callback(DetCallback(core_context, args))
    trainer.train()
""", "DetCallback stops the Hugging Face Trainer's loop on preemption and saves"),
    Example("""
import determined as det
from determined import keras

with det.core.init() as core_context:
    callback = keras.DeterminedCallback(core_context, checkpoint=None, continue_id="iris", checkpoint_epochs=1)
    model.fit(x, y, epochs=100, callbacks=[callback])
""", "DeterminedCallback stops Keras's fit on preemption after a checkpoint"),
    Example("""
from determined import pytorch

with pytorch.init() as train_context:
    trial = MyTrial(train_context)
    trainer = pytorch.Trainer(trial, train_context)
    trainer.fit(max_length=pytorch.Epoch(10), checkpoint_period=pytorch.Batch(100))
""", "det.pytorch's Trainer polls preemption at each batch"),
)

STOPPED_BY_SIGKILL = (
    Example(_CORE_LOOP.replace("{poll}", ""), "a Core API loop that never polls preemption runs until it is killed"),
    Example("""
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out")
# expect: SIG001
Trainer(model=model, args=args, train_dataset=train_dataset).train()
""", "a Hugging Face Trainer with no Determined callback handles no stop"),
)


@pytest.mark.parametrize("example", STOPS_WHEN_ASKED, ids=lambda e: e.why[:60])
def test_a_run_that_polls_determineds_preemption_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG001", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", STOPPED_BY_SIGKILL, ids=lambda e: e.why[:60])
def test_a_run_that_never_polls_it_is_reported(example, example_findings):
    found, marked = example_findings("SIG001", example)
    assert [line for path, line in found if path == example.name] == marked, example.why
