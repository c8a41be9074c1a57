"""Background GPU memory monitor and debug hooks."""
import faulthandler
import json
import signal
import sys
import time

import torch


def _dump_stacks(signum, frame):
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)


def run_gpu_monitor(stop_event, log_path, interval=30.0):
    # `kill -USR1 <pid>` prints every thread's stack when a run looks stuck.
    signal.signal(signal.SIGUSR1, _dump_stacks)

    with open(log_path, "a") as fh:
        while not stop_event.is_set():
            record = {
                "time": time.time(),
                "allocated_mb": torch.cuda.memory_allocated() / 2**20,
                "reserved_mb": torch.cuda.memory_reserved() / 2**20,
                "max_allocated_mb": torch.cuda.max_memory_allocated() / 2**20,
            }
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            stop_event.wait(timeout=interval)
