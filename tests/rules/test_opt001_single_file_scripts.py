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


_ARGS_HELPER = """import os

MODEL_DIR = "/opt/ml/model"


def build_args(env, model_dir=MODEL_DIR):
    args = ["--port", "8080"]
    if os.path.isdir(model_dir):
        args += ["--model", model_dir]
    return args


if __name__ == "__main__":
    print(" ".join(build_args(os.environ)))
"""


def test_a_script_an_endpoint_images_entry_script_runs_first_is_the_endpoints(run_sigcheck):
    """deep-learning-containers' vllm image: its entry script runs sagemaker_args.py to turn
    SM_VLLM_* variables into flags, then execs the model server. An endpoint is never given
    SM_MODEL_DIR (the training toolkit sets it): the literal is what the endpoint has. The same
    helper in a training image, before the trainer, is a trainer's code."""
    entry = "#!/bin/bash\nif ! python3 /usr/local/bin/sagemaker_args.py > /tmp/args; then\n    exit 1\nfi\nexec {program}\n"
    dockerfile = ("FROM {base}\nCOPY scripts/entry.sh /usr/local/bin/entry.sh\n"
                  "COPY scripts/sagemaker_args.py /usr/local/bin/sagemaker_args.py\nCOPY train.py /opt/ml/code/train.py\n"
                  "RUN chmod +x /usr/local/bin/entry.sh\nENTRYPOINT [\"/usr/local/bin/entry.sh\"]\n")
    trains = "import torch\nfor step in range(10):\n    model(batch).backward()\n    optimizer.step()\n"
    serving = {"Dockerfile": dockerfile.format(base="vllm/vllm-openai:v0.11.0"), "train.py": trains,
               "scripts/entry.sh": entry.format(program="python3 -m vllm.entrypoints.openai.api_server $(cat /tmp/args)"),
               "scripts/sagemaker_args.py": _ARGS_HELPER}
    found = run_sigcheck(serving, ["."], select=("OPT001",)).diagnostics
    assert found == []
    training = {**serving, "Dockerfile": dockerfile.format(base="python:3.11").replace("RUN chmod", "RUN pip install sagemaker-training\nRUN chmod"),
                "scripts/entry.sh": entry.format(program="python3 /opt/ml/code/train.py")}
    assert [(d.code, d.path) for d in run_sigcheck(training, ["."], select=("OPT001",)).diagnostics] == \
        [("OPT001", "scripts/sagemaker_args.py")]
