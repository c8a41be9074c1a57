"""Which runs get torchrun's 30 s: those whose own code reads LOCAL_RANK, not those that only
import a module whose top level does (fairseq's config dataclasses), nor those that set it for a
library they run in process (TRL's vLLM set-up). A run that reads it with a default, where it
is set, or on one side of a branch (nanoGPT's `if ddp:`) works without torchrun too: its 30 s
hold if torchrun starts it, and the message says so. A script that declares `--local_rank`, the
option torch.distributed.launch passes, is one that launcher starts."""

from __future__ import annotations

import pytest

LOOP = """
    model = torch.nn.Linear(4, 4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(10_000):
        model(batch).sum().backward()
        optimizer.step()
"""
CONFIG = "import os\n\n\nclass DistributedConfig:\n    device_id: int = int(os.getenv('LOCAL_RANK', 0))\n"
WRITES = ("import os\n\n\ndef configure():\n    os.environ['LOCAL_RANK'] = '0'\n"
          "    os.environ.pop('LOCAL_RANK', None)\n    os.environ.setdefault('LOCAL_RANK', '0')\n")
SETUP = "import os\n\n\ndef local_rank():\n    return int(os.environ['LOCAL_RANK'])\n"


@pytest.mark.parametrize("head, files, context", [
    ("import os, torch\nrank = int(os.environ['LOCAL_RANK'])\n", {}, "under torchrun"),
    ("import os, torch\nrank = int(os.environ.get('LOCAL_RANK', -1))\n", {}, "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
    ("import os, torch\nif 'LOCAL_RANK' in os.environ:\n    rank = int(os.environ['LOCAL_RANK'])\n", {},
     "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
    ("import os, torch\nddp = int(os.environ.get('RANK', -1)) != -1\nif ddp:\n    rank = int(os.environ['LOCAL_RANK'])\n",
     {}, "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
    ("import os, torch\nif __name__ == '__main__':\n    rank = int(os.environ['LOCAL_RANK'])\n", {}, "under torchrun"),
    ("import torch\nfrom dist import local_rank\nrank = local_rank()\n", {"dist.py": SETUP}, "under torchrun"),
    ("import torch\nimport config\n", {"config.py": CONFIG}, "on SageMaker"),
    ("import torch\nfrom vllm_setup import configure\nconfigure()\n", {"vllm_setup.py": WRITES}, "on SageMaker"),
    ("import argparse, torch\nparser = argparse.ArgumentParser()\nparser.add_argument('--local_rank', type=int, default=-1)\n"
     "args = parser.parse_args()\n", {}, "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torch.distributed.launch)"),
    ("import argparse, torch\nparser = argparse.ArgumentParser()\nparser.add_argument('--local-rank', type=int, required=True)\n",
     {}, "under torch.distributed.launch"),
    ("import argparse, torch\nparser = argparse.ArgumentParser()\nparser.add_argument('--rank', type=int, default=0)\n"
     "parser.add_argument('--help-local_rank')\n", {}, "on SageMaker"),
    ("import argparse, deepspeed, torch\nparser = argparse.ArgumentParser()\n"
     "parser.add_argument('--local_rank', type=int, default=-1)\n", {}, "on SageMaker"),
    ("import os, jax, torch\nrank = int(os.environ.get('LOCAL_RANK', -1))\n", {}, "on SageMaker"),
    ("import os, torch\nfrom dist import local_rank\nrank = local_rank() if 'SLURM_PROCID' not in os.environ else 0\n",
     {"dist.py": SETUP}, "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
    ("import os, torch\nfrom dist import setup\nrank = setup()\n",
     {"dist.py": SETUP + "\n\ndef setup():\n    if 'SLURM_JOB_ID' in os.environ:\n        return int(os.environ['SLURM_PROCID'])\n"
                         "    return local_rank()\n"},
     "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
    ("import os, torch\nfrom dist import setup\nrank = setup()\n",
     {"dist.py": SETUP + "\n\ndef setup():\n    if 'LOCAL_RANK' not in os.environ:\n        raise SystemExit('start me with torchrun')\n"
                         "    return local_rank()\n"}, "under torchrun"),
    ("import os, torch\nfrom dist import setup\nrank = setup()\n",
     {"dist.py": SETUP + "\n\ndef setup():\n    if 'SLURM_JOB_ID' in os.environ:\n        return int(os.environ['SLURM_PROCID'])\n"
                         "    if 'RANK' in os.environ:\n        return local_rank()\n    return 0\n"},
     "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
], ids=["its own top level", "read with a default", "read where it is set", "read on one side of a branch (nanoGPT)",
                       "read under the main guard", "a function it calls", "an imported module's top level", "a function setting it",
                       "the launcher's option", "the launcher's option required", "other options",
                       "the option deepspeed's launcher passes too", "a JAX script, which torchrun does not start",
                       "a function it calls on one side of a branch", "a function called past an early return", "a function called past a check that raises",
                       "a function called in a branch of a function it calls (dinov2)"])
def test_the_deadline_follows_the_code_the_run_runs(run_sigcheck, head, files, context):
    report = run_sigcheck({"train.py": head + "if True:" + LOOP, **files}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert context in finding.message


def test_a_jax_script_with_the_launchers_option_keeps_the_platforms_deadline(run_sigcheck):
    """diffusers' Flax scripts copy `--local_rank` from their PyTorch twins: no torch launcher starts them."""
    head = ("import argparse, jax\nparser = argparse.ArgumentParser()\n"
            "parser.add_argument('--local_rank', type=int, default=-1)\nargs = parser.parse_args()\n")
    report = run_sigcheck({"train.py": head + "if True:" + LOOP}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "on SageMaker" in finding.message


def test_a_run_that_imports_no_torch_is_not_started_by_torchrun(run_sigcheck):
    """DeepLearningExamples' TensorFlow and Horovod projects copy a CPU-affinity helper that reads
    LOCAL_RANK; horovodrun or mpirun starts them. The same helper in a PyTorch run still hedges."""
    affinity = "import os\n\n\ndef set_affinity():\n    return int(os.getenv('LOCAL_RANK', 0))\n"
    trains_tf = ("import tensorflow as tf\nimport horovod.tensorflow as hvd\n\nfrom gpu_affinity import set_affinity\n\n"
                 "set_affinity()\noptimizer = tf.keras.optimizers.Adam()\nfor step in range(10_000):\n"
                 "    with tf.GradientTape() as tape:\n        loss = model(batch)\n"
                 "    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))\n")
    [tf_finding] = run_sigcheck({"train.py": trains_tf, "gpu_affinity.py": affinity}, ["train.py"], select=("SIG001",)).diagnostics
    assert "torchrun" not in tf_finding.message
    trains_torch = "import torch\n\nfrom gpu_affinity import set_affinity\n\nset_affinity()\nif True:" + LOOP
    [torch_finding] = run_sigcheck({"train.py": trains_torch, "gpu_affinity.py": affinity}, ["train.py"], select=("SIG001",)).diagnostics
    assert "(30 s if started by torchrun)" in torch_finding.message


def test_a_launch_context_reads_without_nested_parentheses_inside_a_message():
    """SIG012 says "SIGKILL comes 30 s after the stop (...)": the launch named in the context goes
    after a comma there, not in parentheses of its own (llama-cookbook's multi_node.slurm)."""
    from sigcheck.checking.entries import Deadline

    launched = Deadline(30, "under torchrun (getting-started/finetuning/multi_node.slurm:35)")
    assert launched.aside == "under torchrun, getting-started/finetuning/multi_node.slurm:35"
    assert launched.context == "under torchrun (getting-started/finetuning/multi_node.slurm:35)"  # a sentence's start
    assert Deadline(120, "on SageMaker").aside == "on SageMaker"
