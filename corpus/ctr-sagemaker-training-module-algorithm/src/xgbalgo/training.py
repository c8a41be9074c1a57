"""The algorithm's entry: SageMaker's training toolkit imports this module and calls main()."""
import json
import os

import pandas as pd
import xgboost as xgb


def _hyperparameters():
    with open("/opt/ml/input/config/hyperparameters.json") as f:
        return {key: json.loads(value) for key, value in json.load(f).items()}


def main():
    params = _hyperparameters()
    frame = pd.read_csv(os.path.join(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"), "train.csv"))
    dtrain = xgb.DMatrix(frame.drop(columns=["label"]), label=frame["label"])
    booster = xgb.train(params, dtrain, num_boost_round=int(params.get("num_round", 1000)))
    booster.save_model(os.path.join(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"), "xgboost-model"))
