"""SageMaker entry point: turns hyperparameters.json into flags and runs train.py beside it."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR = os.environ.get("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")


def hyperparameters():
    path = os.path.join(CONFIG_DIR, "hyperparameters.json")
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        return json.load(fh)  # SageMaker passes every value as a string


def flags(hps):
    argv = []
    for key, value in sorted(hps.items()):
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv


def main():
    cmd = [sys.executable, os.path.join(HERE, "train.py")]
    cmd += flags(hyperparameters())
    print("launch: running", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd)
    sys.exit(proc.wait())


if __name__ == "__main__":
    main()
