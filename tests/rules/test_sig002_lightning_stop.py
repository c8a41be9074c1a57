"""SIG002 and Lightning's fit, whose own SIGTERM handler (from 2.0) stops it at the next batch by
raising SIGTERMException, a SystemExit. On that way out only the exception hooks of the
callbacks the trainer is handed save, then whatever the project's code saves as the exception
unwinds; ModelCheckpoint's checkpoints wait for an epoch or validation end (stable-diffusion's
and sd-scripts' Lightning users, generative-models' SetupCallback)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

_MODEL = {"model.py": """
import lightning as L
import torch


class Net(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 1)

    def training_step(self, batch, index):
        return self.layer(batch).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)
"""}

_HEAD = """
import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint, OnExceptionCheckpoint

from model import Net

"""

LOSES_WORK = (
    Example(_HEAD + """trainer = L.Trainer(max_epochs=40, callbacks=[ModelCheckpoint(dirpath="ckpt", save_last=True), LearningRateMonitor()])
# expect: SIG002
trainer.fit(Net())
""", "ModelCheckpoint saves at epoch ends only, and the learning-rate monitor saves nothing", files=_MODEL),
    Example(_HEAD + """trainer = L.Trainer(max_epochs=40)
# expect: SIG002
trainer.fit(Net())
""", "no callbacks: the default ModelCheckpoint saves at epoch ends only", files=_MODEL),
    Example(_HEAD + """checkpoint = ModelCheckpoint(dirpath="ckpt", save_on_exception=False)
trainer = L.Trainer(max_epochs=40, callbacks=[checkpoint])
try:
    # expect: SIG002
    trainer.fit(Net())
except Exception:
    trainer.save_checkpoint("ckpt/failed.ckpt")
""", "`except Exception` does not catch SIGTERMException, and save_on_exception is off", files=_MODEL),
    Example(_HEAD + """options = {"max_epochs": 40, "precision": "bf16-mixed"}
trainer = L.Trainer(callbacks=[ModelCheckpoint(dirpath="ckpt")], **options)
# expect: SIG002
trainer.fit(Net())
""", "keywords spread beside the callbacks cannot add any (stable-audio-tools' `**val_args`)", files=_MODEL),
    Example(_HEAD + """class Logging(L.Callback):
    def on_exception(self, trainer, module, error):
        print("stopped by", error)


trainer = L.Trainer(max_epochs=40, callbacks=[Logging()])
# expect: SIG002
trainer.fit(Net())
""", "the project's callback has an exception hook, which only prints", files=_MODEL),
    Example(_HEAD + """trainer_args = {"max_epochs": 40, "precision": "bf16-mixed"}
trainer = L.Trainer(**trainer_args)
# expect: SIG002
trainer.fit(Net())
""", "a dict the code writes, with no callbacks: the default ModelCheckpoint (openfold's `Trainer(**trainer_args)`)",
            files=_MODEL),
    Example(_HEAD + """trainer_args = {"max_epochs": 40}
trainer_args.update({"callbacks": [ModelCheckpoint(dirpath="ckpt", every_n_epochs=1)]})
trainer = L.Trainer(**trainer_args)
# expect: SIG002
trainer.fit(Net())
""", "the callbacks the code puts in the spread dict save at epoch ends only", files=_MODEL),
    Example(_HEAD + """import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--max_epochs", type=int, default=40)
trainer = L.Trainer(**vars(parser.parse_args()))
# expect: SIG002
trainer.fit(Net())
""", "the command line's options spread: strings and numbers, no callback (pytorchvideo's `Trainer(**vars(args))`)",
            files=_MODEL),
)

SAVES_OR_UNSEEN = (
    Example(_HEAD + """trainer = L.Trainer(max_epochs=40, callbacks=[ModelCheckpoint(dirpath="ckpt"), OnExceptionCheckpoint("ckpt")])
trainer.fit(Net())
""", "OnExceptionCheckpoint saves when the fit raises", files=_MODEL),
    Example(_HEAD + """trainer = L.Trainer(max_epochs=40, callbacks=[ModelCheckpoint(dirpath="ckpt", save_on_exception=True)])
trainer.fit(Net())
""", "ModelCheckpoint told to save on exception (Lightning 2.5.3)", files=_MODEL),
    Example(_HEAD + """class SaveOnStop(L.Callback):
    def on_exception(self, trainer, module, error):
        trainer.save_checkpoint("ckpt/stopped.ckpt")


trainer = L.Trainer(max_epochs=40, callbacks=[SaveOnStop()])
trainer.fit(Net())
""", "a callback of the project's saves in its exception hook (generative-models' SetupCallback)", files=_MODEL),
    Example(_HEAD + """trainer = L.Trainer(max_epochs=40)
try:
    trainer.fit(Net())
except SystemExit:
    trainer.save_checkpoint("ckpt/stopped.ckpt")
    raise
""", "the SystemExit is caught and the checkpoint saved", files=_MODEL),
    Example(_HEAD + """import yaml

config = yaml.safe_load(open("trainer.yaml"))
trainer = L.Trainer(**config)
trainer.fit(Net())
""", "the trainer's keywords come from a file: its callbacks may save", files=_MODEL),
    Example(_HEAD + """trainer_args = {"max_epochs": 40}
trainer_args["callbacks"] = [OnExceptionCheckpoint("ckpt")]
trainer = L.Trainer(**trainer_args)
trainer.fit(Net())
""", "the spread dict's callbacks, stored into it, save when the fit raises", files=_MODEL),
    Example(_HEAD + """import argparse
import yaml

trainer_opt = vars(argparse.ArgumentParser().parse_args())
trainer_kwargs = {"callbacks": yaml.safe_load(open("callbacks.yaml"))}
trainer = L.Trainer(**trainer_opt, **trainer_kwargs)
trainer.fit(Net())
""", "either of two spreads may hold the callbacks (generative-models' `Trainer(**trainer_opt, **trainer_kwargs)`)",
            files=_MODEL),
    Example(_HEAD + """from callbacks import build_callbacks

trainer = L.Trainer(max_epochs=40, callbacks=build_callbacks())
trainer.fit(Net())
""", "callbacks from a function sigcheck cannot follow", files={**_MODEL, "callbacks.py": "from registry import make\n\n\ndef build_callbacks():\n    return make()\n"}),
    Example(_HEAD + """trainer = L.Trainer(max_epochs=40)
trainer.fit(Net())
""", "a project pinned to Lightning 1.9 trains with no handler of Lightning's: SIG001's, not SIG002's",
        files={**_MODEL, "requirements.txt": "lightning==1.9.5\n"}),
)


@pytest.mark.parametrize("example", LOSES_WORK, ids=lambda e: e.why[:60])
def test_a_lightning_stop_that_saves_nothing_is_reported(example, example_findings):
    found, marked = example_findings("SIG002", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


@pytest.mark.parametrize("example", SAVES_OR_UNSEEN, ids=lambda e: e.why[:60])
def test_a_lightning_stop_that_saves_or_may_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG002", example)
    assert found == [], f"{example.why}: {found}"


def test_the_finding_names_the_callback_to_hand_the_trainer(run_sigcheck):
    report = run_sigcheck({"train.py": LOSES_WORK[1].code, **_MODEL}, ["train.py"])
    (finding,) = report.diagnostics
    assert finding.code == "SIG002" and finding.source_line.strip() == "trainer.fit(Net())"
    assert finding.message.startswith("Lightning's SIGTERM handler stops the fit at the next batch by raising")
    assert "OnExceptionCheckpoint" in finding.message and "raises here" in finding.trace[-1].note


def test_a_handler_registered_before_the_fit_is_kept_by_lightning(run_sigcheck):
    """SIG004 said training resumes until SIGKILL: Lightning calls the handler it finds after its
    own, and the fit raises at the next batch (signal_connector.py, _HandlersCompose)."""
    train = _HEAD + """import signal

trainer = L.Trainer(max_epochs=40)


def on_sigterm(signum, frame):
    trainer.save_checkpoint("last.ckpt")


signal.signal(signal.SIGTERM, on_sigterm)
trainer.fit(Net())
"""
    assert run_sigcheck({"train.py": train, **_MODEL}, ["train.py"]).diagnostics == []
    after = train.replace("signal.signal(signal.SIGTERM, on_sigterm)\ntrainer.fit(Net())",
                          "signal.signal(signal.SIGTERM, on_sigterm)\nfor batch in loader:\n"
                          "    trainer.model(batch).backward()\n    optimizer.step()\n")
    # a loop of the project's own: nothing stops it once the handler returns
    assert [d.code for d in run_sigcheck({"train.py": after, **_MODEL}, ["train.py"], select=("SIG004",)).diagnostics] == ["SIG004"]


_SPAWNED = """
import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import OnExceptionCheckpoint


class Model(LightningModule):
    def training_step(self, batch, batch_idx):
        return self.layer(batch).sum()


if __name__ == "__main__":
    trainer = Trainer(devices=4, max_epochs=10, callbacks=[OnExceptionCheckpoint("ckpt")], STRATEGY)
    trainer.fit(Model())
"""


@pytest.mark.parametrize("strategy, codes", [
    # dgl's graphsage (triage CZ): the fit, and Lightning's handler, run in the spawned workers only
    ('strategy="ddp_spawn"', ["SIG001"]),
    ('strategy="ddp_notebook"', ["SIG001"]),
    # torchrun-style DDP: the handler is in the process the stop reaches, and the callback saves
    ('strategy="ddp"', []),
    ("precision=16", []),
], ids=["ddp_spawn", "ddp_notebook", "ddp", "no strategy"])
def test_a_trainer_that_spawns_its_workers_leaves_the_stopped_process_without_a_handler(run_sigcheck, strategy, codes):
    report = run_sigcheck({"train.py": _SPAWNED.replace("STRATEGY", strategy)}, select=("SIG001", "SIG002"))
    assert [d.code for d in report.diagnostics] == codes
