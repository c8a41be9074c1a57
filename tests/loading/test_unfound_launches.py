"""A shell script named on the command line whose launcher starts a script that is no file of the
project says so, naming the script; where a word it cannot know stands where the script may be,
it says only that it starts none it follows (triage BG: `deepspeed --module $training_commands`
printed a placeholder, `deepspeed $SCRIPT --epochs 3` an option's value)."""

from __future__ import annotations

import pytest

_SHELL = "a shell script that starts no project script through a launcher sigcheck follows"


@pytest.mark.parametrize("line, said", [
    ("torchrun --nproc_per_node 8 /shared/jobs/elsewhere/pretrain.py", "torchrun starts /shared/jobs/elsewhere/pretrain.py, "
                                                                      "which is no file of the project"),
    ("deepspeed --module $training_commands", _SHELL),
    ("deepspeed $SCRIPT --epochs 3", _SHELL),
    ("torchrun -m $MODULE", _SHELL),
], ids=["a path of the cluster", "a module a variable names", "a script a variable names", "torchrun -m a variable"])
def test_what_a_named_shell_script_that_starts_nothing_found_says(run_sigcheck, line, said):
    report = run_sigcheck({"run.sh": f"#!/bin/bash\n{line}\n", "train.py": "print('hi')\n"}, ["run.sh"])
    assert [error.message for error in report.errors if said in error.message] != [], report.errors
    assert all("-?" not in error.message and "starts 3" not in error.message for error in report.errors)


@pytest.mark.parametrize("bad, line", [
    # a template's placeholder (Megatron-DeepSpeed's examples; triage BO)
    ("DATA_PATH=<Specify path and file prefix>_text_document", 3),
    # a substitution bash rejects when it comes to it (Qwen2.5-VL's sft_30a3b_lora.sh; triage BQ)
    ('args="\n    --per_device_eval_batch_size ${batch_size*2}"', 4),
], ids=["placeholder line", "bad substitution"])
def test_what_bash_cannot_run_leaves_the_launches_after_it(run_sigcheck, bad, line):
    """bash reports such a line and goes on to the launch after it."""
    train = "import torch\nfor step in range(9):\n    torch.ones(1).backward()\n    opt.step()\n"
    script = f"#!/bin/bash\n{bad}\npython -m torch.distributed.launch --nproc_per_node 8 train.py $args\n"
    report = run_sigcheck({"run.sh": script, "train.py": train}, ["run.sh"])
    assert report.errors == []
    assert [d.code for d in report.diagnostics] == ["SIG001"]
    assert f"under torchrun (run.sh:{line})" in report.diagnostics[0].message
