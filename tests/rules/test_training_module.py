"""An image whose toolkit calls a module of the project (SAGEMAKER_TRAINING_MODULE) is checked through it."""

from __future__ import annotations

import pytest

DOCKERFILE = ("FROM python:3.11-slim\nRUN pip install sagemaker-training xgboost\nCOPY src /src\nRUN pip install /src\n"
              "ENV SAGEMAKER_TRAINING_MODULE=mypkg.training:main\n")
TRAINS = """
import xgboost as xgb


def main():
    dtrain = xgb.DMatrix("/opt/ml/input/data/train")
    booster = xgb.train({"objective": "reg:squarederror"}, dtrain, num_boost_round=5000)
    booster.save_model("/opt/ml/model/xgboost-model")
"""
HANDLES = TRAINS.replace("def main():\n", """def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
""").replace("import xgboost as xgb\n", "import signal\nimport sys\n\nimport xgboost as xgb\n")


def _files(training: str) -> dict[str, str]:
    return {"Dockerfile": DOCKERFILE, "src/setup.py": "from setuptools import setup\nsetup(name='mypkg', packages=['mypkg'])\n",
            "src/mypkg/__init__.py": "", "src/mypkg/training.py": training}


def test_the_training_module_the_toolkit_calls_is_checked(run_sigcheck):
    """aws/sagemaker-xgboost-container: `sigcheck .` said "All checks passed" and that the trainer
    was not checked, awaiting a SAGEMAKER_PROGRAM (triage CW)."""
    report = run_sigcheck(_files(TRAINS), ["."], select=("SIG001", "DKR007"))
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == [("SIG001", "src/mypkg/training.py", 6)]
    (finding,) = report.diagnostics
    assert finding.trace[0].path == "Dockerfile" and finding.trace[0].line == 5  # the ENV that names the module


@pytest.mark.parametrize("rule", ["SIG001", "DKR007"])
def test_a_handler_the_training_module_registers_receives_the_signal(run_sigcheck, rule):
    """Called in the toolkit's own process, PID 1: no child, nothing keeps the signal from it."""
    report = run_sigcheck(_files(HANDLES), ["."], select=(rule,))
    assert report.diagnostics == [], report.diagnostics
