#!/usr/bin/env python
"""SageMaker entry point: turns hyperparameters.json into CLI flags and starts train.py."""
import json
import logging
import os
import subprocess
import sys

logging.basicConfig(level=logging.INFO, format="[launch] %(message)s")
log = logging.getLogger("launch")

HP_PATH = "/opt/ml/input/config/hyperparameters.json"


def read_hyperparameters(path=HP_PATH):
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        # SageMaker passes every value as a JSON string
        return {k: json.loads(v) if v.startswith(("[", "{")) else v for k, v in json.load(fh).items()}


def to_cli(hps):
    argv = []
    for key, value in sorted(hps.items()):
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv


def main():
    hps = read_hyperparameters()
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="4")

    subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv"], check=False)

    cmd = [sys.executable, "train.py", "--model-dir", os.environ.get("SM_MODEL_DIR", "/opt/ml/model")]
    cmd += to_cli(hps)
    log.info("running %s", " ".join(cmd))
    proc = subprocess.Popen(cmd, env=env, cwd=os.path.dirname(os.path.abspath(__file__)))
    rc = proc.wait()
    log.info("train.py exited with %d", rc)
    sys.exit(rc)


if __name__ == "__main__":
    main()
