"""Fine-tunes from a checkpoint; `python finetune.py --steps 5000` (jsonargparse builds the CLI from setup's signature)."""

import signal
import threading

import torch
from jsonargparse import CLI
from torch import nn

stop_requested = threading.Event()


def request_stop(signum, frame):
    stop_requested.set()


def setup(steps: int = 1000, checkpoint: str = "base.pt", out: str = "finetuned.pt"):
    signal.signal(signal.SIGTERM, request_stop)
    model = nn.Linear(128, 10)
    model.load_state_dict(torch.load(checkpoint))
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    for step in range(steps):
        if stop_requested.is_set():
            break
        features, labels = torch.randn(32, 128), torch.randint(0, 10, (32,))
        loss = nn.functional.cross_entropy(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), out)


if __name__ == "__main__":
    CLI(setup)
