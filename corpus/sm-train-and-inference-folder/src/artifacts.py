"""Where the training job keeps what it produces."""

import json
import os

import joblib

EXPORT_DIR = "/opt/ml/model"


def export(model, metrics: dict) -> None:
    joblib.dump(model, os.path.join(EXPORT_DIR, "model.joblib"))
    with open(os.path.join(EXPORT_DIR, "metrics.json"), "w") as handle:
        json.dump(metrics, handle)
