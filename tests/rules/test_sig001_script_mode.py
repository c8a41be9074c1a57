"""SIG001 on a script the SageMaker SDK runs in script mode: a handler would not run there either
(DKR007's case), so the message says what does save the work instead of asking for one."""

from __future__ import annotations

import pytest

TRAINS = "import torch\n\nfor step in range(10_000):\n    loss.backward()\n    optimizer.step()\n"


@pytest.mark.parametrize("launcher, runner", [
    ("from sagemaker.pytorch import PyTorch\n\nPyTorch(entry_point='train.py', source_dir='src', role=role).fit()\n",
     "the PyTorch estimator, at launch.py:3, runs it in AWS's framework image, whose SageMaker training toolkit"),
    ("from sagemaker.modules.configs import SourceCode\nfrom sagemaker.modules.train import ModelTrainer\n\n"
     "ModelTrainer(source_code=SourceCode(source_dir='src', entry_script='train.py')).train()\n",
     "a ModelTrainer's SourceCode, at launch.py:4, runs it through its sm_train.sh under `/bin/bash -c`"),
])
def test_a_script_run_in_script_mode_is_told_to_checkpoint_not_to_handle(run_sigcheck, launcher, runner):
    report = run_sigcheck({"launch.py": launcher, "src/train.py": TRAINS}, ["."])
    (finding,) = [d for d in report.diagnostics if d.code == "SIG001"]
    assert finding.path == "src/train.py"
    assert runner in finding.message and "none would run" in finding.message
    assert "save checkpoints to /opt/ml/checkpoints as training goes" in finding.message
    assert finding.trace[0].path == "launch.py"


def test_the_generic_estimator_runs_the_script_in_the_projects_toolkit_image(run_sigcheck):
    """aws-samples' local-mode catboost toolkit sample: `pip install sagemaker-training`, no
    SAGEMAKER_PROGRAM, and `Estimator(image_uri=image, entry_point=..., source_dir="code")`."""
    report = run_sigcheck({"launch.py": "from sagemaker.estimator import Estimator\n\n"
                                        "Estimator(image_uri=image, entry_point='train.py', source_dir='src').fit()\n",
                           "src/train.py": TRAINS,
                           "container/Dockerfile": "FROM python:3.10\nRUN pip install sagemaker-training catboost\n"}, ["."])
    (finding,) = [d for d in report.diagnostics if d.code == "SIG001"]
    assert "the Estimator, at launch.py:3, runs it in the image container/Dockerfile builds" in finding.message
    assert not report.notes  # the entry_point names the program the image leaves to the job


def test_each_sample_s_estimator_runs_its_own_folder_s_toolkit_image(run_sigcheck):
    files = {}
    for sample in ("catboost_toolkit", "tensorflow_toolkit"):
        files[f"{sample}/launch.py"] = ("from sagemaker.estimator import Estimator\n\n"
                                        "Estimator(image_uri=image, entry_point='train.py', source_dir='code').fit()\n")
        files[f"{sample}/code/train.py"] = TRAINS
        files[f"{sample}/container/Dockerfile"] = "FROM python:3.10\nRUN pip install sagemaker-training\n"
    report = run_sigcheck(files, ["."])
    images = {d.path.split("/")[0]: d.message.split("runs it in the image ")[1].split(" builds")[0]
              for d in report.diagnostics if d.code == "SIG001"}
    assert images == {"catboost_toolkit": "catboost_toolkit/container/Dockerfile",
                      "tensorflow_toolkit": "tensorflow_toolkit/container/Dockerfile"}


@pytest.mark.parametrize("image", ["image_uris.retrieve(framework='xgboost', region=region, version='1.5-1')",
                                   "image"])
def test_a_generic_estimator_on_an_image_the_sdk_retrieves_runs_in_awss_framework_image(run_sigcheck, image):
    """aws-samples' local-mode pipeline: `image_uri = sagemaker.image_uris.retrieve(framework="xgboost", ...)`.
    The toolkit image of another sample's Dockerfile was named; with none, the script-mode form was lost."""
    launch = ("import sagemaker\nfrom sagemaker import image_uris\nfrom sagemaker.estimator import Estimator\n\n"
              "image = sagemaker.image_uris.retrieve(framework='xgboost', region=region, version='1.5-1')\n"
              f"Estimator(image_uri={image}, entry_point='train.py', source_dir='src').fit()\n")
    for other in ({}, {"other/container/Dockerfile": "FROM python:3.10\nRUN pip install sagemaker-training\n"}):
        report = run_sigcheck({"launch.py": launch, "src/train.py": TRAINS, **other}, ["."])
        (finding,) = [d for d in report.diagnostics if d.code == "SIG001"]
        assert "the Estimator, at launch.py:6, runs it in AWS's framework image" in finding.message


def test_a_script_no_estimator_runs_keeps_the_platforms_wording(run_sigcheck):
    report = run_sigcheck({"launch.py": "from sagemaker.estimator import Estimator\n\n"
                                        "Estimator(image_uri=image, entry_point='train.py', source_dir='src').fit()\n",
                           "src/train.py": TRAINS}, ["."])
    (finding,) = [d for d in report.diagnostics if d.code == "SIG001"]
    assert "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later" in finding.message


def test_a_sample_whose_own_image_runs_its_program_is_not_taken_for_a_siblings_toolkit_image(run_sigcheck):
    """aws-samples' generative-AI repository: the unsloth sample's estimator uses the image of the
    Dockerfile beside it (an exec-form ENTRYPOINT of its own, no toolkit), not the nemo-rl
    sample's toolkit image two folders away."""
    files = {"grpo/unsloth/launch.py": "from sagemaker.estimator import Estimator\n\n"
                                       "Estimator(image_uri=image, entry_point='train.py', source_dir='code').fit()\n",
             "grpo/unsloth/code/train.py": TRAINS,
             "grpo/unsloth/Dockerfile": 'FROM python:3.11\nCOPY code/train.py /app/train.py\n'
                                        'ENTRYPOINT ["python", "/app/train.py"]\n',
             "grpo/nemo-rl/docker/Dockerfile": "FROM python:3.10\nRUN pip install sagemaker-training\n"}
    report = run_sigcheck(files, ["."])
    messages = [d.message for d in report.diagnostics if d.code == "SIG001" and d.path == "grpo/unsloth/code/train.py"]
    assert messages and all("nemo-rl" not in message for message in messages)
