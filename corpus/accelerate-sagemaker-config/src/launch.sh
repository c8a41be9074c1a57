#!/bin/bash
# Runs the fine-tuning as a SageMaker training job: accelerate reads sagemaker_config.yaml.
cd "$(dirname "$0")"
accelerate launch --config_file sagemaker_config.yaml train.py \
    --model_name_or_path distilbert-base-uncased \
    --num_train_epochs 3
