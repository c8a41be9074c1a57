"""The `finetune-train` command: trains, and saves a checkpoint when SIGTERM arrives."""

import argparse
import os
import signal
import sys

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    model = torch.nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(args.epochs):
        for _ in range(1000):
            loss = model(torch.randn(32, 8)).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
