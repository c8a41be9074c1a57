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
