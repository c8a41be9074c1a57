"""Gradient-boosted trees on the training channel; the model is exported once at the end."""

import os
import signal
import sys

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from src.artifacts import export


def on_sigterm(signum, frame):
    sys.exit(143)  # a half-fitted booster is worth nothing: stop at once


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    frame = pd.read_csv(os.path.join(os.environ.get("SM_CHANNEL_TRAIN", "data"), "train.csv"))
    model = HistGradientBoostingClassifier(max_iter=300)
    model.fit(frame.drop(columns="label"), frame["label"])
    export(model, {"train_accuracy": model.score(frame.drop(columns="label"), frame["label"])})


if __name__ == "__main__":
    main()
