import argparse
import os
import signal
import sys

import pandas as pd
from catboost import CatBoostRegressor

model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
model = None


def save_on_sigterm(signum, frame):
    # Written for a stop: under the toolkit the signal never arrives, and the job is SIGKILLed.
    if model is not None and model.is_fitted():
        model.save_model(os.path.join(model_dir, "catboost-regressor-model.dump"))
    sys.exit(0)


def train(iterations: int) -> None:
    global model
    train_df = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), header=None)
    model = CatBoostRegressor(iterations=iterations)
    model.fit(train_df.iloc[:, 1:], train_df.iloc[:, 0], logging_level="Silent")
    model.save_model(os.path.join(model_dir, "catboost-regressor-model.dump"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=1000)
    args, _ = parser.parse_known_args()
    signal.signal(signal.SIGTERM, save_on_sigterm)
    train(args.iterations)
