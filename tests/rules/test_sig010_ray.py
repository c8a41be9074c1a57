"""SIG010 for Ray's libraries: Ray Tune runs a trainable's trials, and Ray Train its
train_loop_per_worker, in Ray worker processes, which the driver's SIGTERM never reaches. Run
through SIG010 as its own examples are (the rule's module keeps Ray's actors and tasks)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

# A driver actor handed a group of worker actors, running one method on each by its name.
_DRIVER = '''
import ray
import torch


@ray.remote(num_gpus=1)
class PolicyActor:
    def __init__(self):
        self.model = torch.nn.Linear(2, 2)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)

    def fit(self):
        for _ in range(100):
            self.model(torch.ones(2)).sum().backward()
            self.opt.step()

    def generate(self):
        with torch.no_grad():
            return self.model(torch.ones(2))


class ActorGroup:
    def __init__(self, n):
        self._actors = [PolicyActor.remote() for _ in range(n)]

    def run_method(self, method_name):
        refs = []
        for actor in self._actors:
            method = getattr(actor, method_name)
            refs.append(method.remote())
        return refs


@ray.remote
class Driver:
    def __init__(self, group):
        self.group = group

    def fit(self):
        for episode in range(1000):
            ray.get(self.group.run_method(method_name="{method}"))


ray.init()
driver = Driver.remote(ActorGroup(8))
{marker}ray.get(driver.fit.remote())
'''

REPORTED = (
    Example("""
from ray import tune


def objective(config):
    for epoch in range(100):
        model(batch).backward()
        optimizer.step()


# expect: SIG010
tune.Tuner(objective).fit()
""", "Ray Tune runs the trainable's trials in Ray worker processes"),
    Example("""
from ray.train import ScalingConfig
from ray.train.torch import TorchTrainer


def train_loop(config):
    for epoch in range(100):
        model(batch).backward()
        optimizer.step()


# expect: SIG010
trainer = TorchTrainer(train_loop, scaling_config=ScalingConfig(num_workers=2, use_gpu=True))
trainer.fit()
""", "Ray Train runs train_loop_per_worker in Ray worker processes"),
    Example(_DRIVER.replace("{method}", "fit").replace("{marker}", "# expect: SIG010\n"),
            "a driver actor runs `fit` on each actor of the worker group it is handed (OpenRLHF's PPO trainer): the "
            "stop reaches neither, and the driver's start is the one the script makes"),
)

SILENT = (
    Example("""
import random
from ray import tune
from ray.air import session


def objective(config):
    for i in range(100):
        session.report({"loss": config["hp"] + random.random()})


tune.Tuner(objective, param_space={"hp": tune.uniform(0, 2)}).fit()
""", "a trainable that reports a made-up loss trains nothing (determined's Ray examples)"),
    Example(_DRIVER.replace("{method}", "generate").replace("{marker}", ""),
            "the driver actor runs only `generate` on its worker group: no training in any worker"),
)


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.why[:50])
def test_training_in_ray_workers_is_reported(example, example_findings):
    found, marked = example_findings("SIG010", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.why[:50])
def test_ray_workers_that_train_nothing_are_not_reported(example, example_findings):
    found, _ = example_findings("SIG010", example)
    assert found == [], example.why


_BOTH_SIDES = """
import ray


@ray.remote
def main_task(config):
    for step in range(config["steps"]):
        model(batch).backward()
        optimizer.step()


def main(config):
    if config.get("profile"):
        ray.get(main_task.options(runtime_env={"nsight": {}}).remote(config))
    else:
        ray.get(main_task.remote(config))


main({"steps": 10})
"""


def test_a_worker_started_on_both_sides_of_a_branch_is_one_finding(run_sigcheck):
    """verl starts its task with profiling options on one side of an if/else and without on the
    other: a run makes one of the two starts, so one finding, whose trace names both."""
    report = run_sigcheck({"train.py": _BOTH_SIDES}, select=("SIG010",))
    [finding] = [d for d in report.diagnostics if d.code == "SIG010"]
    assert finding.line == 13
    assert [(step.note, step.line) for step in finding.trace[-2:]] == [("starts the child", 13),
                                                                         ("starts it again", 15)]


def test_the_same_worker_started_twice_in_a_row_is_two_findings(run_sigcheck):
    """Two actors of one class (a policy and a critic sharing an inherited fit) both run."""
    one_after_the_other = _BOTH_SIDES.replace("    else:\n        ray.get(main_task.remote(config))",
                                              "    ray.get(main_task.remote(config))")
    report = run_sigcheck({"train.py": one_after_the_other}, select=("SIG010",))
    assert [d.line for d in report.diagnostics if d.code == "SIG010"] == [13, 14]


def test_a_ray_train_run_is_reported_once_and_named_as_rays(run_sigcheck):
    """The driver's `trainer.fit()` waits on the workers: the training is theirs (SIG010), not a
    fit of the driver's own for SIG001 (deep-learning-containers' Ray Train FSDP test)."""
    report = run_sigcheck({"train.py": REPORTED[1].code})
    (finding,) = report.diagnostics
    assert finding.code == "SIG010" and finding.message.startswith(
        "Training runs in Ray's worker processes (a Ray Train or Ray Tune run), which the stop never reaches")


def test_a_start_on_one_side_of_a_branch_is_judged_on_its_own(run_sigcheck):
    """Only one side hands the learner the event the handler sets: the other side's start is still
    unforwarded, whichever side comes first."""
    for first, second in (("args=(stop,)", ""), ("", "args=(stop,)")):
        source = f"""
import multiprocessing as mp
import signal


def learner(stop=None):
    for step in range(100_000):
        model(batch).backward()
        optimizer.step()


if __name__ == "__main__":
    stop = mp.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    if mp.cpu_count() > 8:
        worker = mp.Process(target=learner, {first})
    else:
        worker = mp.Process(target=learner, {second})
    worker.start()
    worker.join()
"""
        report = run_sigcheck({"train.py": source}, platform="kubernetes", select=("SIG010",))
        lines = [d.line for d in report.diagnostics]
        assert lines == ([17] if first else [15]), (first, second, lines)
        assert all("starts it again" not in [s.note for s in d.trace] for d in report.diagnostics)
