"""Submits supervised fine-tuning with the SageMaker SDK's ModelTrainer: sm_accelerate_train.sh
runs sft.py on every GPU of the instance through accelerate."""

from sagemaker.modules.configs import CheckpointConfig, Compute, SourceCode, StoppingCondition
from sagemaker.modules.train import ModelTrainer

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04-sagemaker"
ROLE = "arn:aws:iam::123456789012:role/SageMakerTraining"

source_code = SourceCode(
    source_dir="sagemaker_code",
    requirements="requirements.txt",
    command="bash sm_accelerate_train.sh --config recipes/qwen2.5-3b.yaml",
)

trainer = ModelTrainer(
    training_image=IMAGE,
    source_code=source_code,
    role=ROLE,
    base_job_name="qwen-sft",
    compute=Compute(instance_type="ml.g5.12xlarge", instance_count=1, volume_size_in_gb=300),
    stopping_condition=StoppingCondition(max_runtime_in_seconds=18000),
    checkpoint_config=CheckpointConfig(s3_uri="s3://my-bucket/qwen-sft/checkpoints", local_path="/opt/ml/checkpoints"),
)

if __name__ == "__main__":
    trainer.train(wait=False)
