"""A shell script, a Slurm batch script or a SkyPilot task that runs one of the project's console
scripts (`exec my-trainer --epochs 3`) runs the program pip writes for it, which calls the declared
function: that function's training is judged as the script's launch (triage AZ: trl's `exec trl sft`
named on the command line was an error, E902)."""

from __future__ import annotations

from pathlib import Path

import pytest

from project_files import write_project
from sigcheck.checking.engine import analyse
from sigcheck.checking.runcache import RunOptions
from sigcheck.config.settings import Settings
from sigcheck.loading.cache import Cache

TRAIN = """
import signal, sys
import torch


def main():
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), "model.pt")
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
"""
NO_HANDLER = TRAIN.replace("    signal.signal(signal.SIGTERM, on_sigterm)\n", "")
PROJECT = '[project]\nname = "pkg"\nversion = "0.1"\n\n[project.scripts]\nmy-trainer = "pkg.train:main"\n'


def _files(script: str, train: str = NO_HANDLER, project: str = PROJECT, name: str = "run.sh") -> dict[str, str]:
    return {name: script, "pyproject.toml": project, "pkg/__init__.py": "", "pkg/train.py": train}


def _analyse(folder: Path, files: dict[str, str], named: str, cache: bool = False):
    write_project(folder, files)
    options = RunOptions(1, Cache(folder / ".sigcheck_cache") if cache else None)
    return analyse([Path(named)], Settings(), options=options)


@pytest.mark.parametrize("script", [
    "#!/bin/bash\nexec my-trainer --epochs 3\n",
    "#!/bin/bash\nset -e\nNCCL_DEBUG=INFO my-trainer --epochs 3\n",
    "#!/bin/bash\n/usr/local/bin/my-trainer --epochs 3\n",
], ids=["exec", "with a variable set", "by its path on PATH"])
def test_a_named_shell_script_that_runs_a_console_script_has_its_training_judged(tmp_path, monkeypatch, script):
    monkeypatch.chdir(tmp_path)
    report = _analyse(tmp_path, _files(script), "run.sh")
    assert report.errors == []
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "pkg/train.py")]
    assert report.diagnostics[0].trace[0].path == "pyproject.toml"  # the trace starts at the declaration
    assert report.diagnostics[0].trace[0].line == 6


def test_one_whose_console_script_handles_sigterm_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = _analyse(tmp_path, _files("#!/bin/bash\nexec my-trainer --epochs 3\n", train=TRAIN), "run.sh")
    assert report.errors == [] and report.diagnostics == []
    assert "pkg/train.py" in report.files  # read as the program imports it


@pytest.mark.parametrize("script, project", [
    ("#!/bin/bash\necho my-trainer --epochs 3\n", PROJECT),  # named, not run
    ("#!/bin/bash\nexec my-trainer-v2 --epochs 3\n", PROJECT),  # another program
    ("#!/bin/bash\nexec my-trainer --epochs 3\n", PROJECT.replace("pkg.train:main", "numpy.cli:main")),  # another package's
], ids=["echoed", "another name", "another package's function"])
def test_a_script_that_runs_no_console_script_of_the_project_still_says_so(tmp_path, monkeypatch, script, project):
    monkeypatch.chdir(tmp_path)
    report = _analyse(tmp_path, _files(script, project=project), "run.sh")
    assert report.diagnostics == []
    assert [error.message.split(":")[0] for error in report.errors] == [
        "a shell script that starts no project script through a launcher sigcheck follows (torchrun, accelerate launch, "
        "deepspeed, srun or a Slurm batch script's python)"]


def test_a_slurm_batch_script_puts_the_console_script_under_slurms_deadline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    batch = "#!/bin/bash\n#SBATCH --nodes=1\n#SBATCH --time=01:00:00\nsrun my-trainer --epochs 3\n"
    report = _analyse(tmp_path, _files(batch, name="job.sbatch"), "job.sbatch")
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "pkg/train.py")]
    assert "Slurm" in report.diagnostics[0].message


def test_a_declaration_edited_to_another_function_is_seen_by_a_warm_run(tmp_path, monkeypatch):
    """The program's text is no file: the run cache's key has the declaration in it."""
    monkeypatch.chdir(tmp_path)
    files = {**_files("#!/bin/bash\nexec my-trainer --epochs 3\n", train=TRAIN), "pkg/other.py": NO_HANDLER}
    assert _analyse(tmp_path, files, "run.sh", cache=True).diagnostics == []
    edited = {**files, "pyproject.toml": PROJECT.replace("pkg.train:main", "pkg.other:main")}
    report = _analyse(tmp_path, edited, "run.sh", cache=True)
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "pkg/other.py")]


GROUP = """
import click
from transformers import Trainer


@click.group()
def main():
    pass


@main.command()
@click.argument("config")
def train_model(config):
    Trainer(model=None).train()


@main.command()
@click.argument("config")
def preprocess(config):
    print("tokenising", config)
"""


@pytest.mark.parametrize("batch, cited", [
    ("srun my-trainer preprocess c.yml\nsrun my-trainer train-model c.yml\n", "under Slurm (job.sbatch:4)"),
    ("srun my-trainer preprocess c.yml\n", "on SageMaker"),
    ("srun my-trainer $STEP c.yml\nsrun my-trainer preprocess c.yml\n", "under Slurm (job.sbatch:3)"),
], ids=["the other command's line", "launched for another command only", "a command not known"])
def test_a_commands_deadline_is_that_of_the_launches_that_run_it(tmp_path, monkeypatch, batch, cited):
    """axolotl's examples/slurm: `srun axolotl preprocess` before `srun axolotl train`; the finding
    in command train cites the line that runs train (triage BW)."""
    monkeypatch.chdir(tmp_path)
    files = _files("#!/bin/bash\n#SBATCH --nodes=1\n" + batch, train=GROUP, name="job.sbatch")
    report = _analyse(tmp_path, files, ".")
    (found,) = [d for d in report.diagnostics if d.code == "SIG001"]
    assert f"in command train_model: {cited} a stop sends SIGTERM" in found.message
