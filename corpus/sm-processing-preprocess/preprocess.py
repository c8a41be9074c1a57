"""SageMaker Processing step of a churn pipeline: reads the raw export, splits it, and writes the
splits where the pipeline's ProcessingOutputs pick them up (train/, validation/, test/)."""
import argparse
import os

import numpy as np
import pandas as pd

BASE_DIR = "/opt/ml/processing"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-ratio", type=float, default=0.7)
    args, _ = parser.parse_known_args()
    frame = pd.read_csv(f"{BASE_DIR}/input/churn.csv")
    frame = frame.sample(frac=1.0, random_state=42)
    train_end = int(args.train_ratio * len(frame))
    validation_end = train_end + (len(frame) - train_end) // 2
    train, validation, test = np.split(frame, [train_end, validation_end])
    for name, split in (("train", train), ("validation", validation), ("test", test)):
        os.makedirs(f"{BASE_DIR}/{name}", exist_ok=True)
        split.to_csv(f"{BASE_DIR}/{name}/{name}.csv", header=False, index=False)


if __name__ == "__main__":
    main()
