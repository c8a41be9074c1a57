"""DKR007 in script mode: estimators whose script the toolkit does not run or that has no handler
to defeat, and a script that handles SIGTERM and reads a variable only the SageMaker training
toolkit sets, whose launch the project does not hold."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example
from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES  # the rule's examples' trainer

SILENT = (
    Example("""
from sagemaker.estimator import Estimator
from sagemaker.pytorch import PyTorch

PyTorch(entry_point="train.py", source_dir="src", role=role).fit()
Estimator(image_uri=image, entry_point="serve_model.py", source_dir="src", role=role).fit()
""", "script mode with no handler in train.py (SIG001 reports its training), and an estimator of the image "
     "sigcheck reads from its Dockerfile, not known to run a toolkit", {
        "src/train.py": "for batch in loader:\n    optimizer.step()\n", "src/serve_model.py": _HANDLES},
        name="launch.py"),
    Example("""
from sagemaker.estimator import Estimator

Estimator(image_uri=image, entry_point="train.py", source_dir="src", role=role).fit()
""", "the project's image runs the script as PID 1 (exec-form ENTRYPOINT), not through a toolkit: the "
     "entry_point the SDK passes goes unread", {
        "src/train.py": _HANDLES, "Dockerfile": 'FROM python:3.11-slim\nRUN pip install torch\n'
                                                'COPY src/train.py /opt/program/train.py\n'
                                                'ENTRYPOINT ["python", "/opt/program/train.py"]\n'},
        name="launch.py"),
    Example("""
from sagemaker.modules.configs import SourceCode
from sagemaker.modules.train import ModelTrainer
from docs_builder import SourceCode as DocsSource

ModelTrainer(training_image=image, source_code=SourceCode(source_dir="src", command="python train.py --epochs 3")).train()
DocsSource(entry_script="serve_model.py")
""", "a ModelTrainer runs a script with no handler (SIG001 reports its training); the other SourceCode is a "
     "class of the project's, not the SDK's", {"src/train.py": "for batch in loader:\n    optimizer.step()\n",
                                                "serve_model.py": _HANDLES}, name="launch.py"),
)


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.why[:60])
def test_estimators_with_no_handler_to_defeat_are_silent(example, example_findings):
    found, _ = example_findings("DKR007", example)
    assert found == [], example.why

TRAIN = """
import argparse
import os
import signal
import sys

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--model-dir", default={model_dir})
args = parser.parse_args()
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def on_sigterm(signum, frame):
    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    model(torch.randn(8, 4)).sum().backward()
    opt.step()
"""


def test_a_script_that_reads_a_toolkit_variable_with_no_launch_in_the_project_keeps_its_handler(run_sigcheck):
    """SageMaker's toolkit would keep SIGTERM from it, but without the launch in view the handler is
    not called defeated: `sigcheck verify` and harnesses of one's own set SM_MODEL_DIR and signal
    the script itself (SIG001's message says what the toolkit would do to a script with none)."""
    assert run_sigcheck({"train.py": TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]')}).diagnostics == []


def test_an_image_of_the_project_that_runs_it_as_pid_1_delivers_the_signal(run_sigcheck):
    """The image sets the variable itself and runs the script as PID 1: the handler runs."""
    files = {"Dockerfile": 'FROM python:3.11-slim\nENV SM_MODEL_DIR=/opt/ml/model\nCOPY train.py /opt/program/\n'
                           'ENTRYPOINT ["python", "/opt/program/train.py"]\n',
             "train.py": TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]').replace(
                 "args = parser.parse_args()", "args, _ = parser.parse_known_args()")}  # `train` is passed on
    report = run_sigcheck(files, ["."])
    assert [d.code for d in report.diagnostics] == []
