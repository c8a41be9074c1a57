"""SIG001 on what a run runs: an environment's `step` trains nothing, a method a base class calls
on `self` runs the override of the subclass the run makes, and the branch a benchmark switch
picks is not the job. Engine behaviours SIG001's verdict rests on, kept apart from the rule's
own examples."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

SILENT = (
        Example("""
from openenv.core.generic_client import GenericEnvClient
from robosim import Simulator

class Scorer:
    def __init__(self, url):
        self.url = url
        self._client = None

    def _ensure_client(self):
        if self._client is None:
            client = GenericEnvClient(base_url=self.url)
            self._client = client.sync()
        return self._client

    def score(self, answer):
        return getattr(self._ensure_client(), "step")({"answer": answer}).reward

scorer = Scorer("http://localhost:8000")
env = Simulator()
for episode in range(100):
    print(scorer.score("2"), env.step(policy(env.observation)))
""", "an environment's step, by the name of its receiver or of the class that made it, trains nothing",
                name="environment-steps"),
        Example("""
import torch

class Pipeline:
    def main(self):
        return self.run()

class Sft(Pipeline):
    def run(self):
        for batch in loader:
            model(batch).mean().backward()
            optimizer.step()

class Deploy(Pipeline):
    def run(self):
        serve(model)

def sft_main():
    Sft().main()

def deploy_main():
    Deploy().main()

deploy_main()
""", "ms-swift's pipelines: `self.run()` in the base runs the override of the class this run makes, Deploy's; "
     "the function that makes an Sft is never called", name="template-method"),
)


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.name)
def test_what_the_run_does_not_run_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG001", example)
    assert found == [], f"{example.why}: {found}"


REPORTED = (
        Example("""
import time, torch

def benchmark(steps):
    for step in range(steps):
        model(next(batches)).mean().backward()
        optimizer.step()

if args.benchmark:
    benchmark(args.bench_steps)
else:
    # expect: SIG001
    for batch in loader:
        model(batch).mean().backward()
        optimizer.step()
        if step % 1000 == 0:
            torch.save(model.state_dict(), "ckpt.pt")
""", "the training is the branch a benchmark switch does not pick: the finding is about its loop, not the timing run's",
                name="benchmark-switch"),
)


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.name)
def test_the_finding_is_about_the_training_the_job_runs(example, example_findings):
    found, marked = example_findings("SIG001", example)
    assert [line for path, line in found if path == example.name] == marked, example.why
