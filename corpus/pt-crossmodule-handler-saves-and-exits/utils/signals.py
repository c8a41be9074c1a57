"""Preemption handling for spot / managed-spot training jobs."""
import sys

import ckpt


def handle_sigterm(signum, frame):
    # The platform gives us 120 s after SIGTERM: write the current state and leave.
    ckpt.save_latest(tag="latest")
    sys.exit(0)
