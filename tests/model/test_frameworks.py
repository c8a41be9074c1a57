"""Libraries that handle SIGTERM themselves: a run through one of them is protected."""

from __future__ import annotations

import textwrap

import pytest

NEMO = """
from nemo.collections.nlp.parts.megatron_trainer_builder import MegatronTrainerBuilder
from nemo.utils.exp_manager import exp_manager

def main(cfg):
    trainer = MegatronTrainerBuilder(cfg).create_trainer()
    {manager}
    trainer.fit(model)

main(cfg)
"""

ALIGNER = """
from nemo.utils.exp_manager import exp_manager

class SupervisedTrainer:
    def fit(self):
        for batch in self.loader:
            self.model(batch).backward()
            self.optimizer.step()

def main(cfg):
    exp_manager(trainer, cfg.exp_manager)
    SupervisedTrainer().fit()

main(cfg)
"""

COMPOSER = """
from composer import Trainer

Trainer(model=model, train_dataloader=loader, max_duration="1ep").fit()
"""


LIGHTNING_CLI = """
from lightning.pytorch.cli import LightningCLI

cli = LightningCLI(Model, run=False)
cli.trainer.fit(cli.model)
"""


OLMO_CORE = """
from olmo_core.train import TrainerConfig

trainer = TrainerConfig(save_folder="/tmp/ckpt").build(train_module, data_loader)
trainer.fit()
"""


@pytest.mark.parametrize(("code", "handled"), [
    (LIGHTNING_CLI, True),
    (OLMO_CORE, True),
    (NEMO.format(manager="exp_manager(trainer, cfg.exp_manager)"), True),
    (NEMO.format(manager="pass"), False),
    (ALIGNER, False),
])
def test_a_library_that_handles_sigterm_protects_the_run(analysis, code, handled):
    """NeMo's exp_manager adds its preemption callback to a trainer a builder made, which installs
    its handler when the trainer's fit starts: NeMo-Aligner's own training loops never start it.
    A LightningCLI made with run=False hands the script the Lightning Trainer to fit. OLMo-core's
    Trainer, built from its config, installs its handler in fit (open-instruct's DPO scripts)."""
    a = analysis({"train.py": textwrap.dedent(code)})
    [entry] = a.entries
    assert entry.first_work is not None
    assert (entry.framework_handling is not None) == handled


def test_a_library_whose_handler_exits_at_once_is_no_handling_but_its_exit(analysis):
    """Importing Composer installs a handler that calls sys.exit at once: not a handler that stops
    at a safe point and lets the job save (SIG002 judges what its exit unwinds through)."""
    a = analysis({"train.py": textwrap.dedent(COMPOSER)})
    [entry] = a.entries
    assert entry.framework_handling is None
    func_id, site, library = entry.library_exit
    assert (func_id, library.option("label")) == ("train:<module>", "Composer's")
