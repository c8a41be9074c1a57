"""OPT001 and OPT002 in SageMaker's single-file scripts: one module trains under its main guard
and defines `model_fn` for the endpoint that serves the model. Its training code is judged as a
trainer's; its handlers, which the inference toolkit imports and calls, are not."""

from __future__ import annotations

SCRIPT = """
import argparse
import os

import torch


def model_fn(model_dir):
    model = torch.nn.Linear(4, 1)
    model.load_state_dict(torch.load("/opt/ml/model/model.pt"))
    return model


def train(args):
    data_dir = "/opt/ml/input/data/training"
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(args.epochs):
        model(torch.load(os.path.join(data_dir, "x.pt"))).sum().backward()
        opt.step()
    torch.save(model.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "model.pt"))
    torch.save(model.state_dict(), "/opt/ml/code/last.pt")
"""
MAIN = """

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    train(parser.parse_args())
"""


def test_the_training_a_script_runs_is_judged_and_its_endpoint_handler_is_not(run_sigcheck):
    report = run_sigcheck({"mnist.py": SCRIPT + MAIN}, select=("OPT001", "OPT002"))
    assert sorted((d.code, d.line) for d in report.diagnostics) == [("OPT001", 14), ("OPT002", 21)]


def test_a_module_of_handlers_is_judged_where_a_trainer_runs_it(run_sigcheck):
    """The handlers' module holds the training function a script beside it imports and runs: that
    function is a trainer's; the handlers, which the inference toolkit imports and calls, and a
    module of handlers no trainer runs are the endpoint's."""
    files = {"train.py": "from handlers import train\nimport argparse\n" + MAIN, "handlers.py": SCRIPT}
    report = run_sigcheck(files, ["train.py"], select=("OPT001", "OPT002"))
    assert sorted((d.path, d.code, d.line) for d in report.diagnostics) == [("handlers.py", "OPT001", 14),
                                                                           ("handlers.py", "OPT002", 21)]
    alone = run_sigcheck({"handlers.py": SCRIPT}, ["handlers.py"], select=("OPT001", "OPT002"))
    assert alone.diagnostics == []
