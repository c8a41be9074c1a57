"""torchrec's train pipelines run a whole step in `progress()`: the DLRM reference trains with
`for it in itertools.count(1): train_pipeline.progress(iterator)` and no step of its own (mlcommons'
torchrec_dlrm; triage AX). An evaluation pipeline's progress trains nothing."""

from __future__ import annotations

import pytest

SCRIPT = """
import itertools

import torch
from torchrec.distributed import {pipeline}


def main():
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.Adagrad(model.parameters())
    pipeline = {pipeline}(model, optimizer, torch.device("cuda"))
    iterator = iter(make_dataloader())
    for it in itertools.count(1):
        try:
            pipeline.progress(iterator)
        except StopIteration:
            break


def make_dataloader():
    return [torch.zeros(4)] * 1000


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("pipeline, codes", [
    ("TrainPipelineSparseDist", ["SIG001"]),
    ("EvalPipelineSparseDist", []),
])
def test_a_train_pipelines_progress_is_a_step(run_sigcheck, pipeline, codes):
    report = run_sigcheck({"train.py": SCRIPT.format(pipeline=pipeline)})
    assert [d.code for d in report.diagnostics] == codes
