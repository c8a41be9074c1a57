"""Finds and loads the model the endpoint serves: SageMaker unpacks model.tar.gz into /opt/ml/model."""

import os

import joblib

MODEL_DIR = "/opt/ml/model"


def find_model(base_path: str = MODEL_DIR) -> str:
    for name in sorted(os.listdir(base_path)):
        if name.endswith(".joblib"):
            return os.path.join(base_path, name)
    raise FileNotFoundError(f"no .joblib model in {base_path}")


def load_model():
    return joblib.load(find_model())


if __name__ == "__main__":
    print(find_model())
