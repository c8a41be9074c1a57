"""Trains the ranking model; a SIGTERM makes the loop save a checkpoint and stop."""
import os
import signal
import sys

import torch

CHECKPOINT_DIR = os.environ.get("CHECKPOINT_DIR", "/opt/ml/checkpoints")
stop = False


def request_stop(signum, frame):
    global stop
    stop = True


def main():
    model = torch.nn.Linear(64, 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    signal.signal(signal.SIGTERM, request_stop)
    for step in range(100_000):
        optimizer.zero_grad()
        model(torch.randn(128, 64)).pow(2).mean().backward()
        optimizer.step()
        if stop:
            torch.save(model.state_dict(), os.path.join(CHECKPOINT_DIR, f"step-{step}.pt"))
            sys.exit(0)


if __name__ == "__main__":
    main()
