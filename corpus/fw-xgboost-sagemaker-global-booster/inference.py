"""SageMaker hosting hooks for the model written by train.py."""

import io
import os

import pandas as pd
import xgboost as xgb


def model_fn(model_dir):
    booster = xgb.Booster()
    booster.load_model(os.path.join(model_dir, "xgboost-model.json"))
    return booster


def input_fn(request_body, content_type):
    if content_type != "text/csv":
        raise ValueError(f"unsupported content type {content_type}")
    return xgb.DMatrix(pd.read_csv(io.StringIO(request_body), header=None))


def predict_fn(data, booster):
    return booster.predict(data)
