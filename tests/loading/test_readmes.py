"""A README's shell blocks tell how the project launches a script, where no script of its own does."""

from __future__ import annotations

import pytest

from sigcheck.loading.readmes import shell_blocks
from tests.rules.test_dkr007_launch_scripts import HANDLES

README = """# Training

Install, then launch:

```bash
pip install -e .
accelerate launch --config_file zero3.yaml train.py --lr 1e-5
```

```python
import subprocess
subprocess.run(["torchrun", "other.py"])
```

~~~console
$ torchrun --nproc_per_node 8 grpo.py
~~~

    deepspeed indented.py
"""

FIT = """import os
from transformers import HfArgumentParser, Trainer, TrainingArguments

local_rank = int(os.environ.get("LOCAL_RANK", 0))
(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
Trainer(model=model, args=args, train_dataset=data).train()
"""


def test_only_shell_blocks_are_kept_each_line_in_its_place():
    kept = shell_blocks(README).splitlines()
    assert len(kept) == len(README.splitlines())
    assert kept[6] == "accelerate launch --config_file zero3.yaml train.py --lr 1e-5"
    assert kept[15] == "torchrun --nproc_per_node 8 grpo.py"  # the prompt is no command
    assert not any("other.py" in line or "indented.py" in line or "Install" in line for line in kept)


@pytest.mark.parametrize("line, kept", [
    ("1. `python -m multiproc train.py --output_directory=outdir`", "    python -m multiproc train.py --output_directory=outdir"),
    ("Then `CUDA_VISIBLE_DEVICES=0 torchrun --nproc_per_node 1 train.py` trains.",
     "      CUDA_VISIBLE_DEVICES=0 torchrun --nproc_per_node 1 train.py"),
    ("Use `--fp16` with `train.py`, or `python` alone.", ""),  # words of prose, no command line
    ("See ``python train.py`` in ```python train.py```.", ""),  # not a span of one backtick
])
def test_a_line_of_prose_keeps_its_inline_command_in_its_column(line, kept):
    assert shell_blocks(f"# Train\n{line}\n").splitlines() == ["", kept]


_ACCELERATE = "accelerate launch --config_file zero3.yaml train.py"


@pytest.mark.parametrize("written, instead, context", [
    # open-r1: the README launches grpo.py with accelerate; the code reading LOCAL_RANK said "if started by torchrun"
    (_ACCELERATE, _ACCELERATE, "under accelerate (README.md:7) a stop sends SIGTERM, then SIGKILL 30 s later"),
    # deepspeed on one node passes SIGTERM on to nothing: no handler would run (CodeT5+'s README, triage CQ)
    (_ACCELERATE, "deepspeed train.py", "and none would run: deepspeed, at README.md:7, starts its workers through "
                                        "deepspeed.launcher.launch"),
    # alpaca-lora: the README runs `python finetune.py`: no launcher kills it sooner
    (_ACCELERATE, "python train.py", "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later"),
    # run both ways: the launcher that kills sooner
    ("pip install -e .", "python train.py --lr 1e-5", "under accelerate (README.md:7) a stop sends SIGTERM, then SIGKILL 30 s later"),
    # another script run with Python says nothing of this one: the guess from the code stays
    (_ACCELERATE, "python prepare.py", "if started by torchrun"),
])
def test_a_readmes_launch_tells_the_deadline_before_a_guess_from_the_code(run_sigcheck, written, instead, context):
    readme = README.replace(written, instead)
    (finding,) = run_sigcheck({"train.py": FIT, "prepare.py": "print(1)\n", "README.md": readme}, ["."]).diagnostics
    assert context in finding.message


def test_a_readmes_one_node_deepspeed_launch_keeps_sigterm_from_the_scripts_handler(run_sigcheck):
    """Where no shell script starts it, the launch its README shows is how it runs: deepspeed's runner
    on one node keeps the signal from the handler (DKR007, placed on the README's line)."""
    report = run_sigcheck({"train.py": HANDLES, "README.md": "# Train\n\n```bash\ndeepspeed train.py --deepspeed ds.json\n```\n"},
                          ["."])
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == [("DKR007", "README.md", 4)]


@pytest.mark.parametrize("doc, found", [
    ("TRAINING.md", True), ("GETTING_STARTED.md", True), ("docs/quick-start.md", True),
    ("CHANGELOG.md", False), ("docs/benchmarks.md", False),
])
def test_a_training_guide_beside_the_readme_tells_the_launch_too(run_sigcheck, doc, found):
    """ConvNeXt-V2 shows `torchrun ... main_pretrain.py` in TRAINING.md, not its README (triage CV);
    a changelog or a page of results tells no launch."""
    block = "# Train\n\n```bash\ntorchrun --nproc_per_node 8 train.py --epochs 10\n```\n"
    (finding,) = run_sigcheck({"train.py": FIT, doc: block}, ["."]).diagnostics
    assert (f"under torchrun ({doc}:4)" in finding.message) is found


_SLURM_BLOCK = "## On a cluster\n\n```bash\n#!/bin/bash\n#SBATCH --time=24:00:00\nsrun python prepare.py\n```\n\n"


@pytest.mark.parametrize("how", [
    "## Alone\n\n```bash\npython train.py --lr 1e-5\n```\n",
    "## Alone\n\nRun `python train.py --lr 1e-5` on one machine.\n",
])
def test_a_readmes_slurm_block_puts_only_its_own_commands_under_slurm(run_sigcheck, how):
    """open_clip's README holds an sbatch script in one block and, elsewhere, `python -m ...` in a
    line of prose: that launch is no command of the batch script, and no Slurm deadline is its."""
    (finding,) = run_sigcheck({"train.py": FIT, "prepare.py": "print(1)\n", "README.md": _SLURM_BLOCK + how}, ["."]).diagnostics
    assert "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later" in finding.message, finding.message


def test_a_command_in_a_readmes_slurm_block_runs_under_slurm(run_sigcheck):
    readme = _SLURM_BLOCK.replace("srun python prepare.py", "python train.py")
    (finding,) = run_sigcheck({"train.py": FIT, "README.md": readme}, ["."]).diagnostics
    assert "under Slurm (README.md:6)" in finding.message, finding.message
