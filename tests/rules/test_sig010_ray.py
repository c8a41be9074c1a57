"""SIG010 for Ray's libraries: Ray Tune runs a trainable's trials, and Ray Train its
train_loop_per_worker, in Ray worker processes, which the driver's SIGTERM never reaches. Run
through SIG010 as its own examples are (the rule's module keeps Ray's actors and tasks)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

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
)


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.why[:50])
def test_training_in_ray_workers_is_reported(example, example_findings):
    found, marked = example_findings("SIG010", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.why[:50])
def test_ray_workers_that_train_nothing_are_not_reported(example, example_findings):
    found, _ = example_findings("SIG010", example)
    assert found == [], example.why
