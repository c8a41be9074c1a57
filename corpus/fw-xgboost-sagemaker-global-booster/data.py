import glob
import os

import pandas as pd
import xgboost as xgb


def load_dmatrix(channel_dir):
    """Read every CSV in a SageMaker channel; the first column is the label, no header."""
    files = sorted(glob.glob(os.path.join(channel_dir, "*.csv")))
    if not files:
        raise FileNotFoundError(f"no CSV files in {channel_dir}")
    frame = pd.concat([pd.read_csv(f, header=None) for f in files], ignore_index=True)
    return xgb.DMatrix(frame.iloc[:, 1:], label=frame.iloc[:, 0])
