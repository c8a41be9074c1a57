"""The same run, with a driver whose SIGTERM handler has every worker save before the deadline."""
import os
import signal
import sys

import ray

from sft.data import batches
from sft.worker_group import WorkerGroup


def main():
    ray.init()
    group = WorkerGroup("Qwen/Qwen2.5-0.5B", 1e-5, size=4)

    def save_and_exit(signum, frame):
        group.execute_all("save_checkpoint", os.environ.get("CHECKPOINT_DIR", "checkpoints"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, save_and_exit)
    group.execute_all("init_model")
    group.execute_all("fit", batches(), 3)


if __name__ == "__main__":
    main()
