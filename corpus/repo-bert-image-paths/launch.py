"""Starts pre-training in the container; the job runs `python launch.py`."""

import subprocess
import sys

if __name__ == "__main__":
    done = subprocess.run("python /workspace/bert/run_pretraining.py --max_steps 100000", shell=True)
    sys.exit(done.returncode)
