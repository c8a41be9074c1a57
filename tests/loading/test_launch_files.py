"""SkyPilot task files: the top-level `run:` of `sky launch task.yaml` (or `sky jobs launch` on spot
instances) is the shell script each node runs, read as a launch script is."""

from __future__ import annotations

import pytest

from sigcheck.loading.launch_files import task_commands

TASK = """\
name: finetune
resources:
  accelerators: A100:8
  use_spot: true
file_mounts:
  /checkpoint:
    name: ckpt-bucket
    mode: MOUNT
setup: |
  pip install -r requirements.txt
run: |
  cd src
  torchrun --nproc_per_node 8 \\
    train.py --output_dir /checkpoint

  echo done
"""


def test_the_run_block_stands_at_its_lines():
    lines = task_commands(TASK).splitlines()
    assert lines[11:16] == ["cd src", "torchrun --nproc_per_node 8 \\", "  train.py --output_dir /checkpoint", "", "echo done"]
    assert not any(lines[:11]) and "pip install" not in task_commands(TASK)


@pytest.mark.parametrize("run, line, command", [
    ("run: python train.py --lr 1e-4", 2, "python train.py --lr 1e-4"),
    ("run: 'torchrun train.py'  # one node", 2, "torchrun train.py"),
    ('run: "deepspeed train.py"', 2, "deepspeed train.py"),
    ("run: >-\n  torchrun --nproc_per_node 8\n  train.py", 3, "torchrun --nproc_per_node 8 \\"),
])
def test_inline_quoted_and_folded_commands(run, line, command):
    assert task_commands(f"num_nodes: 2\n{run}\n").splitlines()[line - 1] == command


@pytest.mark.parametrize("text", [
    # a GitHub workflow: its steps' `run:` are indented
    "on: push\njobs:\n  test:\n    steps:\n      - run: python train.py\n",
    # a config with a `run:` of its own (no key only a task has)
    "run:\n  name: baseline\n  epochs: 3\nmodel: resnet50\n",
    "resources:\n  cpus: 4\n",
])
def test_yaml_that_is_no_task(text):
    assert task_commands(text) is None


def test_a_tasks_launch_sets_the_deadline_and_makes_the_entry_point(run_sigcheck):
    trains = ("import torch\n\n\ndef main():\n    for step in range(1000):\n        model(batch).backward()\n"
              "        optimizer.step()\n\n\nmain()\n")
    files = {"src/train.py": trains, "sky/task.yaml": TASK}
    (finding,) = run_sigcheck(files, ["."]).diagnostics
    assert finding.path == "src/train.py" and "under torchrun (sky/task.yaml:13)" in finding.message
    named = run_sigcheck(files, ["sky/task.yaml"])
    assert [d.path for d in named.diagnostics] == ["src/train.py"] and named.errors == []
    files["sky/task.yaml"] = "resources:\n  cpus: 4\n"
    assert "not Python" in run_sigcheck(files, ["sky/task.yaml"]).errors[0].message


@pytest.mark.parametrize("task, workdir", [("sky/task.yaml", "workdir: ./resnet_ddp"), ("task.yaml", "workdir: 'resnet_ddp'"),
                                           ("spot/task.yaml", "workdir: ../resnet_ddp  # synced to ~/sky_workdir")])
def test_a_tasks_commands_run_in_its_workdir(run_sigcheck, task, workdir):
    """SkyPilot's examples/spot/torchelastic.yaml: `workdir: ./resnet_ddp`, synced to the cluster from
    where `sky launch` runs (the task file's folder or the project's root); `run:` starts
    `resnet_ddp.py` there."""
    trains = ("import torch\n\n\ndef main():\n    for step in range(1000):\n        model(batch).backward()\n"
              "        optimizer.step()\n\n\nmain()\n")
    text = f"name: elastic\n{workdir}\nresources:\n  accelerators: T4\nrun: |\n  torchrun --nproc_per_node=1 resnet_ddp.py\n"
    (finding,) = run_sigcheck({"resnet_ddp/resnet_ddp.py": trains, task: text}, ["."]).diagnostics
    assert finding.path == "resnet_ddp/resnet_ddp.py" and f"under torchrun ({task}:6)" in finding.message
