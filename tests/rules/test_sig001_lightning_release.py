"""SIG001 and Lightning's release: it handles SIGTERM from 2.0, which removed Trainer keywords such as
`gpus`; a run that passes one runs on an older release, as a pin to one says."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

PINNED = Example("""
import signal
import pytorch_lightning as pl


def on_usr1(signum, frame):
    trainer.save_checkpoint("last.ckpt")


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, on_usr1)
    trainer = pl.Trainer(max_epochs=100)
    # expect: SIG001
    trainer.fit(model, data)
""", "the project pins Lightning 1.4, which handles SIGTERM only on SLURM: fit runs with no handler",
                 files={"environment.yaml": "dependencies:\n  - pip:\n    - pytorch-lightning==1.4.2\n"})

MODEL = """
from pytorch_lightning import LightningModule, Trainer


class Lit(LightningModule):
    def training_step(self, batch, batch_idx):
        return self(batch).sum()
"""


def test_a_trainer_given_a_keyword_lightning_2_removed_runs_without_its_handler(run_sigcheck):
    """SkyPilot's spot example: `Trainer(gpus=1, progress_bar_refresh_rate=10)` with no pin."""
    report = run_sigcheck({"model.py": MODEL, "train.py": """
from model import Lit, Trainer

trainer = Trainer(max_epochs=1000, gpus=1)
trainer.fit(Lit())
"""}, ["train.py"])
    (finding,) = report.diagnostics
    assert finding.code == "SIG001" and finding.line == 4
    assert "(Trainer(gpus=...) in train.py, a keyword pytorch-lightning 2.0 removed: a release before the library " \
           "handled SIGTERM)" in finding.message


def test_a_trainer_given_current_keywords_handles_sigterm_and_another_script_s_old_one_says_nothing(run_sigcheck):
    report = run_sigcheck({"model.py": MODEL,
                           "train.py": "from model import Lit, Trainer\n\nTrainer(devices=1, accelerator='gpu').fit(Lit())\n",
                           "legacy/train_v1.py": "from model import Lit, Trainer\n\nTrainer(gpus=1).fit(Lit())\n"},
                          ["train.py"], select=("SIG001",))
    assert report.diagnostics == []  # Lightning's handler stops the fit (what it saves is SIG002's)


def test_a_project_pinning_lightning_1_x_runs_fit_with_no_handler(example_findings):
    found, marked = example_findings("SIG001", PINNED)
    assert [line for path, line in found if path == PINNED.name] == marked, PINNED.why


def test_keywords_spread_from_a_dict_the_function_builds_count_and_current_ones_do_not(run_sigcheck):
    """detectron2's lightning_train_net builds the Trainer's keywords in a dict, adding
    `resume_from_checkpoint` when resuming, and passes `**trainer_params`."""
    old = """
from model import Lit, Trainer


def train(resume):
    params = {"max_steps": 1000, "gpus": 1}
    if resume:
        params["resume_from_checkpoint"] = "last.ckpt"
    trainer = Trainer(**params)
    trainer.fit(Lit())


train(False)
"""
    report = run_sigcheck({"model.py": MODEL, "train.py": old}, ["train.py"])
    (finding,) = report.diagnostics
    assert finding.code == "SIG001" and finding.line == 9
    assert "(Trainer(**params) in train.py, passing gpus, a keyword pytorch-lightning 2.0 removed" in finding.message
    current = old.replace('"gpus": 1', '"devices": 1').replace('params["resume_from_checkpoint"]', 'params["ckpt_path"]')
    # Lightning's handler then stops the fit: no SIG001 (that nothing saves on its way out is SIG002's)
    assert run_sigcheck({"model.py": MODEL, "train.py": current}, ["train.py"], select=("SIG001",)).diagnostics == []
    stored_later = old.replace('"gpus": 1', '"devices": 1')
    (finding,) = run_sigcheck({"model.py": MODEL, "train.py": stored_later}, ["train.py"]).diagnostics
    assert "(Trainer(**params) in train.py, passing resume_from_checkpoint, a keyword" in finding.message


HYDRA = Example("""
import hydra
from lightning import LightningModule, Trainer


@hydra.main(version_base="1.3", config_path="configs", config_name="train.yaml")
def main(cfg):
    model: LightningModule = hydra.utils.instantiate(cfg.model)
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer)
    trainer.fit(model=model)


if __name__ == "__main__":
    main()
""", "hydra builds the trainer, its annotation says it is Lightning's, which handles SIGTERM")


def test_a_trainer_hydra_builds_is_lightnings_by_its_annotation(example_findings):
    found, _ = example_findings("SIG001", HYDRA)
    assert found == [], HYDRA.why


def test_a_dict_given_old_keywords_after_the_call_says_nothing_of_it(run_sigcheck):
    source = """
from model import Lit, Trainer


def train():
    params = dict(max_steps=1000, devices=1)
    Trainer(**params).fit(Lit())
    params = dict(gpus=1)
    print(params)


train()
"""
    assert run_sigcheck({"model.py": MODEL, "train.py": source}, ["train.py"]).diagnostics == []


def test_a_run_importing_a_name_lightning_2_no_longer_has_runs_without_its_handler(run_sigcheck):
    """flash-attention's training imports `LightningLoggerBase`, gone in 1.9 (triage BM): with no
    pin, the run is on an older release, whose Trainer installs no SIGTERM handler."""
    train = "from model import Lit, Trainer\nfrom pytorch_lightning.loggers import LightningLoggerBase\n\nTrainer().fit(Lit())\n"
    (finding,) = run_sigcheck({"model.py": MODEL, "train.py": train}, ["train.py"], select=("SIG001",)).diagnostics
    assert "(pytorch_lightning.loggers.LightningLoggerBase, imported in train.py, which pytorch-lightning 2.0 no " \
           "longer has: a release before the library handled SIGTERM)" in finding.message
    # an import of the new name, or one of a module the run never goes through, says nothing
    current = "from model import Lit, Trainer\nfrom pytorch_lightning.loggers import Logger\n\nTrainer().fit(Lit())\n"
    files = {"model.py": MODEL, "train.py": current, "legacy/old.py": "from pytorch_lightning.loggers import LightningLoggerBase\n"}
    assert run_sigcheck(files, ["train.py"], select=("SIG001",)).diagnostics == []


SWALLOWED = "that release installs a SIGTERM handler that does nothing, so the run trains on until SIGKILL"
OLDER = "a release before the library handled SIGTERM"


@pytest.mark.parametrize("pin, shown, note", [
    ("pytorch-lightning==1.5.0", "pytorch-lightning==1.5.0", SWALLOWED),
    ("pytorch-lightning==1.5.2", "pytorch-lightning==1.5.2", SWALLOWED),
    ("pytorch-lightning==1.5.10", "pytorch-lightning==1.5.10", OLDER),
    ("pytorch-lightning==1.4.2", "pytorch-lightning==1.4.2", OLDER),
    # a range, not one release: shown by the clause that confines it, and not said to swallow
    ("pytorch-lightning>=1.5.0,<1.6", "pytorch-lightning<1.6", OLDER),
])
def test_lightning_1_5_0_to_1_5_2_swallow_sigterm(run_sigcheck, pin, shown, note):
    """ControlNet pins 1.5.0, whose signal connector installs `HandlersCompose([])` off Slurm
    (triage CL): the fit is stopped by nothing, not left without a handler."""
    report = run_sigcheck({"model.py": MODEL, "train.py": "from model import Lit, Trainer\n\nTrainer(max_epochs=5).fit(Lit())\n",
                           "environment.yaml": f"dependencies:\n  - pip:\n    - {pin}\n"}, ["train.py"], select=("SIG001",))
    (finding,) = report.diagnostics
    assert f"({shown} in environment.yaml: {note})" in finding.message


@pytest.mark.parametrize("made, note", [
    ("Trainer.from_argparse_args(args)", "(Trainer.from_argparse_args() in train.py, which pytorch-lightning 2.0 no longer has"),
    ("Trainer(max_epochs=5)", None),  # nothing of an older release: Lightning 2's handler stops the fit
])
def test_a_trainer_made_from_argparse_arguments_runs_on_lightning_1(run_sigcheck, made, note):
    """pytorchvideo's tutorial: `Trainer.add_argparse_args(parser)`, then `Trainer.from_argparse_args(args)`,
    gone in 2.0 with LightningCLI taking their place (triage CT)."""
    code = f"import argparse\nfrom model import Lit, Trainer\n\nargs = argparse.ArgumentParser().parse_args()\n" \
           f"trainer = {made}\ntrainer.fit(Lit())\n"
    report = run_sigcheck({"model.py": MODEL, "train.py": code}, ["train.py"], select=("SIG001",))
    assert [note in d.message for d in report.diagnostics] == ([True] if note else [])


@pytest.mark.parametrize("made, line", [
    ("LightningCLI(Lit, seed_everything_default=42)", 5),  # runs the command line's subcommand: fit
    ("cli = LightningCLI(Lit, run=False)\ncli.trainer.fit(cli.model)", 6),  # builds; the script fits
])
def test_a_lightning_cli_fits_where_it_runs_the_command_line(run_sigcheck, made, line):
    """lightning-bolts' MoCo and RetinaNet (triage DI): `LightningCLI(Model, DataModule)` under a pin
    before 2.0 runs `fit` from the constructor, with no SIGTERM handler."""
    code = f"from pytorch_lightning.cli import LightningCLI\n\nfrom model import Lit\n\n{made}\n"
    files = {"model.py": MODEL, "train.py": code, "requirements.txt": "pytorch-lightning>1.7.0, <2.0.0\n"}
    (finding,) = run_sigcheck(files, ["train.py"], select=("SIG001",)).diagnostics
    assert (finding.path, finding.line) == ("train.py", line)
    assert "pytorch-lightning>1.7.0, <2.0.0 in requirements.txt" in finding.message or "<2.0.0" in finding.message


def test_a_lightning_cli_on_lightning_2_is_left_to_its_configured_callbacks(run_sigcheck):
    """From 2.0 the Trainer it builds handles SIGTERM, with the callbacks its configuration names."""
    code = "from lightning.pytorch.cli import LightningCLI\n\nfrom model import Lit\n\nLightningCLI(Lit)\n"
    files = {"model.py": MODEL, "train.py": code, "requirements.txt": "lightning>=2.1\n"}
    assert run_sigcheck(files, ["train.py"]).diagnostics == []


@pytest.mark.parametrize("test, older", [
    ('pl.__version__[0] == "2"', False),  # written for both releases: no evidence of either
    ("args.legacy", True),
])
def test_a_call_written_for_an_older_release_beside_a_version_test_is_no_evidence(run_sigcheck, test, older):
    """RWKV-LM's v4neo trainer (triage DI): `Trainer.from_argparse_args(args)` in the branch of a
    test of Lightning's version that runs only before 2.0."""
    code = ("import argparse\nimport pytorch_lightning as pl\nfrom model import Lit, Trainer\n\n"
            "args = argparse.ArgumentParser().parse_args()\n"
            f"if {test}:\n    trainer = Trainer(devices=1, max_epochs=10)\nelse:\n"
            "    trainer = Trainer.from_argparse_args(args)\ntrainer.fit(Lit())\n")
    codes = [d.code for d in run_sigcheck({"model.py": MODEL, "train.py": code}, ["train.py"]).diagnostics]
    assert codes == (["SIG001"] if older else ["SIG002"])
