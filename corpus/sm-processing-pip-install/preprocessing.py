"""Processing step: installs what the framework image lacks, then prepares the features."""
import os
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "pip", "install", "awswrangler==3.7.3"])
os.system("python3 -m pip install -U scikit-learn")

import pandas as pd  # noqa: E402

INPUT = "/opt/ml/processing/input/raw.csv"
OUTPUT = "/opt/ml/processing/output/features.csv"

if __name__ == "__main__":
    frame = pd.read_csv(INPUT)
    frame["ratio"] = frame["spend"] / frame["visits"].clip(lower=1)
    frame.to_csv(OUTPUT, index=False)
