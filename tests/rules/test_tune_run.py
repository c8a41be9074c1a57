"""torchtune's `tune run`: with torchrun's options it runs the recipe under torch.distributed.run
(SIGTERM forwarded, SIGKILL 30 s later), without them in its own process (runpy), where the
recipe hears the signal itself (torchtune's Slurm scripts; triage AZ)."""

from __future__ import annotations

import pytest

from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES as HANDLES

RECIPE = """
import torch


def train(model, optimizer, loader):
    for batch in loader:
        model(batch).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    train(torch.nn.Linear(4, 1), None, [])
"""


@pytest.mark.parametrize("name, script, platform, wording", [
    ("run.sbatch", "#!/bin/bash\n#SBATCH --nodes=1\nsrun tune run --nnodes 1 --nproc_per_node 8 recipes/my_finetune.py "
     "--config my.yaml\n", "slurm", "on Slurm a stop sends SIGTERM, then SIGKILL 30 s later"),
    ("run.sh", "#!/bin/bash\ntune run --nproc_per_node 8 recipes/my_finetune.py --config my.yaml\n", "sagemaker",
     "under tune (run.sh:2) a stop sends SIGTERM, then SIGKILL 30 s later"),
    ("run.sh", "#!/bin/bash\ntune run recipes/my_finetune.py --config my.yaml\n", "sagemaker",
     "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later"),
], ids=["srun in a batch script", "distributed: torchrun's deadline", "one device: in its own process"])
def test_a_launch_script_that_runs_a_recipe(run_sigcheck, name, script, platform, wording):
    report = run_sigcheck({"recipes/my_finetune.py": RECIPE, name: script}, [name], platform=platform)
    (finding,) = report.diagnostics
    assert (finding.code, finding.path) == ("SIG001", "recipes/my_finetune.py") and wording in finding.message


@pytest.mark.parametrize("options, found", [
    ("", []),
    ('"--nproc_per_node", "8", ', ["DKR007"]),
], ids=["one device: the recipe is PID 1's own code", "distributed: SIGKILL 30 s after forwarding"])
def test_an_image_that_runs_a_recipe(run_sigcheck, options, found):
    dockerfile = ("FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime\nRUN pip install torchtune\n"
                  "COPY recipes /app/recipes\nWORKDIR /app\n"
                  f'ENTRYPOINT ["tune", "run", {options}"recipes/my_finetune.py", "--config", "my.yaml"]\n')
    report = run_sigcheck({"Dockerfile": dockerfile, "recipes/my_finetune.py": HANDLES}, ["Dockerfile"])
    assert [d.code for d in report.diagnostics if d.code.startswith("DKR")] == found
    assert report.notes == []
