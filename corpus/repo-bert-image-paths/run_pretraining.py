"""Pre-trains BERT. A SIGTERM sets a flag the step loop checks; the warm-up before the CUDA graph
is captured is eleven steps."""

import os
import signal
import sys

import torch

from modeling import build_model, make_loader

stop_requested = False


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    model, optimizer = build_model()
    loader = make_loader(os.environ.get("DATA_DIR", "/workspace/data"))
    static_batch = next(iter(loader))
    for _ in range(11):
        model(static_batch).backward()
        optimizer.step()
    for step, batch in enumerate(loader):
        model(batch).backward()
        optimizer.step()
        optimizer.zero_grad()
        if stop_requested or step % 1000 == 0:
            torch.save({"model": model.state_dict(), "step": step}, "/workspace/checkpoints/ckpt.pt")
        if stop_requested:
            sys.exit(0)


if __name__ == "__main__":
    main()
