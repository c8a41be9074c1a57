"""Submits the fine-tuning job: the PyTorch framework image runs src/train.py in script mode."""

import sagemaker
from sagemaker.pytorch import PyTorch

session = sagemaker.Session()
estimator = PyTorch(
    entry_point="train.py",
    source_dir="src",
    role=sagemaker.get_execution_role(),
    framework_version="2.1",
    py_version="py310",
    instance_type="ml.g5.2xlarge",
    instance_count=1,
    use_spot_instances=True,
    max_wait=7200,
    max_run=3600,
    hyperparameters={"epochs": 20, "lr": 3e-4},
)

if __name__ == "__main__":
    estimator.fit({"train": f"s3://{session.default_bucket()}/data/train"})
