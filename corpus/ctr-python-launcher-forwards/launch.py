"""SageMaker entry point: turns hyperparameters.json into flags and runs train.py beside it,
passing the stop signal on to it and exiting with its status."""
import json
import os
import signal
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

    def forward(signum, frame):
        proc.send_signal(signum)  # docker stop signals PID 1 only: the trainer hears of it from here

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    sys.exit(proc.wait())


if __name__ == "__main__":
    main()
