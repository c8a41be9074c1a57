"""Container layout shared by the training and processing scripts."""
SM_ROOT = "/opt/ml"
MODEL_NAME = "xgboost-model"
CHANNELS = ("train", "validation")
