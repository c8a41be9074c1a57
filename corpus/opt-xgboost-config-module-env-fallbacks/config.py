"""Paths and defaults for the XGBoost fraud model."""
import os

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
TRAIN_DIR = os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")
VALIDATION_DIR = os.environ.get("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation")
OUTPUT_DATA_DIR = os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")
# No standard variable for checkpoints: the estimator passes checkpoint_local_path through this one
CHECKPOINT_DIR = os.getenv("CHECKPOINT_DIR", "/opt/ml/checkpoints")

MODEL_FILE = "xgboost-model"
TARGET = "is_fraud"
