"""Trains a small regressor; a SIGTERM sets a flag, the loop saves and exits."""
import os
import signal
import sys

import torch

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
stop_requested = False


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True


def save(model):
    torch.save(model.state_dict(), os.path.join(MODEL_DIR, "model.pt"))


def main():
    model = torch.nn.Linear(16, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(20):
        for step in range(200):
            optimizer.zero_grad()
            loss = model(torch.randn(32, 16)).pow(2).mean()
            loss.backward()
            optimizer.step()
            if stop_requested:
                save(model)
                sys.exit(0)
    save(model)


if __name__ == "__main__":
    main()
