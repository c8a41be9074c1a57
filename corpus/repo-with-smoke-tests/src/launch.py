"""Submits the training job to SageMaker from a laptop: the job runs remotely."""
from sagemaker.pytorch import PyTorch

if __name__ == "__main__":
    estimator = PyTorch(entry_point="train.py", source_dir="..", role="arn:aws:iam::123456789012:role/sm",
                        framework_version="2.3", py_version="py311", instance_count=1,
                        instance_type="ml.g5.2xlarge", checkpoint_s3_uri="s3://bucket/ckpt")
    estimator.fit({"train": "s3://bucket/train"})
