"""The same training as a script of the SageMaker training toolkit, which sets SM_* variables."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestRegressor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=100)
    args = parser.parse_args()
    training = os.environ.get("SM_CHANNEL_TRAINING", "/opt/ml/input/data/training")
    files = [os.path.join(training, name) for name in os.listdir(training)]
    data = pd.concat(pd.read_csv(name, header=None) for name in files)
    model = RandomForestRegressor(n_estimators=args.n_estimators)
    model.fit(data.iloc[:, 1:], data.iloc[:, 0])
    joblib.dump(model, os.path.join("/opt/ml/model", "model.joblib"))


if __name__ == "__main__":
    main()
