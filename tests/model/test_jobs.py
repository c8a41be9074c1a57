"""Which kind of SageMaker job a module belongs to, from what the module itself shows."""

from __future__ import annotations

import pytest

from sigcheck.model.jobs import LAUNCHER, PROCESSING, SERVING, TEST, TOOLKIT, TRAINING, JobKinds

_TRAINER = """
import torch
torch.save(model.state_dict(), "/opt/ml/model/model.pt")
"""


@pytest.mark.parametrize("path, code, kind", [
    ("train.py", _TRAINER, TRAINING),
    ("src/inference_utils.py", _TRAINER, TRAINING),  # a word in a name is not a folder
    ("code/inference.py", "def load(path):\n    return path\n", SERVING),
    ("docker/serving/utils.py", "MODEL = '/opt/ml/model'\n", SERVING),
    ("app/handler.py", "def model_fn(model_dir):\n    return model_dir\n", SERVING),
    ("app/handlers.py", "def input_fn(request_body, content_type, context=None):\n    return request_body\n", SERVING),
    # TensorFlow's Estimator API names a model function and an input function alike, with other
    # arguments: a script-mode trainer defines them (SageMaker's framework-mode migration example)
    ("train_estimator.py", "def model_fn(features, labels, mode, params):\n    return features\n\n\n"
                           "def input_fn():\n    return read('/opt/ml/input/data/training')\n", TRAINING),
    ("app/web.py", "routes = ['/ping', '/invocations']\n", SERVING),
    ("preprocess.py", "OUT = '/opt/ml/processing/output'\n", PROCESSING),
    ("tests/check_layout.py", _TRAINER, TEST),
    ("test_train.py", _TRAINER, TEST),
    ("launch.py", "from sagemaker.pytorch import PyTorch\nPyTorch(entry_point='train.py', "
                  "checkpoint_local_path='/opt/ml/checkpoints').fit()\n", LAUNCHER),
    ("launch_tuning.py", "import sagemaker\ntuner = sagemaker.tuner.HyperparameterTuner(estimator, 'loss', {})\n", LAUNCHER),
    ("launch_trainer.py", "from sagemaker.modules.configs import CheckpointConfig\n"
                          "config = CheckpointConfig(local_path='/opt/ml/checkpoints')\n", LAUNCHER),
    ("launch_v3.py", "from sagemaker.train import ModelTrainer\nModelTrainer(base_job_name='/opt/ml/x').train()\n", LAUNCHER),
    ("train_tracked.py", "from sagemaker.experiments.run import load_run\n" + _TRAINER, TRAINING),
    ("train_sm_toolkit.py", "import sagemaker_training\n" + _TRAINER, TRAINING),
    ("sagemaker/serve/model_server/handler.py", "MODEL = '/opt/ml/model/code/serve.pkl'\n", SERVING),
    # Setting an SM_* variable is the toolkit's part; reading one, or comparing it, is a trainer's.
    ("drivers/environment.py", "SM_MODEL_DIR = '/opt/ml/model'\nenv = {'SM_MODEL_DIR': SM_MODEL_DIR}\n", TOOLKIT),
    ("local_run.py", "import os\nos.environ['SM_MODEL_DIR'] = '/opt/ml/model'\n", TOOLKIT),
    ("bootstrap.py", "import os\nos.environ.setdefault('SM_CHANNEL_TRAIN', '/opt/ml/input/data/train')\n", TOOLKIT),
    ("train_env.py", "import os\nmodel_dir = os.environ['SM_MODEL_DIR']\n" + _TRAINER, TRAINING),
    ("train_cmp.py", "import os\nif os.environ['SM_CURRENT_HOST'] == 'algo-1':\n    pass\n" + _TRAINER, TRAINING),
])
def test_kind_of_module(analysis, path, code, kind):
    a = analysis({path: code}, entries=(path,))
    module = next(name for name, summary in a.project.modules.items() if summary.path.endswith(path))
    assert JobKinds(a.project).of(module) == kind
