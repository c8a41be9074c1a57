"""Who hears the stop: on a container platform SIGTERM reaches PID 1 alone, so a child the script
starts hears it only if it is passed on (SIG010); Slurm sends it to every process of the job, so
the child hears it itself and what it does with it is SIG001's to judge."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

SPAWNED = """
import torch
import torch.multiprocessing as mp

def worker(rank):
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(100_000):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()

if __name__ == "__main__":
    mp.spawn(worker, nprocs=2)
"""

HANDLED = SPAWNED.replace("def worker(rank):\n", """def worker(rank):
    signal.signal(signal.SIGTERM, lambda signum, frame: (torch.save({}, "ckpt.pt"), sys.exit(0)))
""").replace("import torch\n", "import signal, sys, torch\n", 1)


def _found(run_sigcheck, code, platform):
    report = run_sigcheck({"train.py": code}, ["train.py"], platform=platform, select=("SIG001", "SIG010"))
    return [(d.code, d.line) for d in report.diagnostics], report


def test_on_kubernetes_a_spawned_trainer_never_hears_the_stop(run_sigcheck):
    found, _ = _found(run_sigcheck, SPAWNED, "kubernetes")
    assert found == [("SIG010", 12)]


def test_on_slurm_the_spawned_trainer_hears_it_and_has_no_handler(run_sigcheck):
    found, report = _found(run_sigcheck, SPAWNED, "slurm")
    assert found == [("SIG001", 7)]
    assert "Slurm sends SIGTERM to every process of the job" in report.diagnostics[0].message


def test_on_slurm_a_spawned_trainer_with_its_own_handler_is_fine(run_sigcheck):
    found, _ = _found(run_sigcheck, HANDLED, "slurm")
    assert found == []


def test_on_slurm_a_ray_actor_still_needs_the_driver_to_tell_it(run_sigcheck):
    code = """
import ray, torch

@ray.remote(num_gpus=1)
class Trainer:
    def fit(self, steps):
        for step in range(steps):
            model(next(batches)).backward()
            optimizer.step()

trainer = Trainer.remote()
ray.get(trainer.fit.remote(100_000))
"""
    found, _ = _found(run_sigcheck, code, "slurm")
    assert ("SIG010", 11) in found


def test_a_script_a_slurm_batch_script_runs_hears_it_in_every_process(run_sigcheck):
    """Whatever the platform configured, a project's `#SBATCH` script that runs the trainer says
    Slurm stops it, and Slurm signals the processes the trainer spawns too."""
    report = run_sigcheck({"train.py": SPAWNED, "job.sbatch": "#!/bin/bash\n#SBATCH --nodes=1\nsrun python train.py\n"},
                          ["."], select=("SIG001", "SIG010"))
    assert [(d.path, d.code, d.line) for d in report.diagnostics] == [("train.py", "SIG001", 7)]
    assert "Slurm sends SIGTERM to every process of the job" in report.diagnostics[0].message


# Services that run a function on machines of their own: its children are theirs, not the script's.
REMOTE = (
    Example("""
import runhouse as rh
import torch


def training_function(rank, config):
    for batch in loader:
        model(batch).backward()
        optimizer.step()


def launch_train(config):
    torch.multiprocessing.start_processes(training_function, args=(config,), nprocs=4, start_method="spawn")


gpu = rh.cluster(name="rh-cluster", instance_type="V100:4", provider="cheapest")
remote_train = rh.function(fn=launch_train, system=gpu)
remote_train({"lr": 2e-5})
""", "runhouse runs launch_train on the remote cluster: its children are that machine's, not this script's"),
    Example("""
import modal

app = modal.App("finetune")


@app.function(gpu="A100")
def train(steps):
    for step in range(steps):
        model(next(batches)).backward()
        optimizer.step()


@app.local_entrypoint()
def main():
    train.remote(1000)
""", "Modal runs the function on its own machines, not in a worker of this script"),
)


@pytest.mark.parametrize("example", REMOTE, ids=lambda e: e.why[:50])
def test_a_function_a_service_runs_elsewhere_starts_no_child_here(example, example_findings):
    found, _ = example_findings("SIG010", example)
    assert found == [], example.why
