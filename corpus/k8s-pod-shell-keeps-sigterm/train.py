"""Fine-tunes a small regressor; on SIGTERM it saves a checkpoint to the mounted volume and exits."""

import argparse
import os
import signal
import sys

import torch


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--checkpoint-dir", default="checkpoints")
    return parser.parse_args()


def main():
    args = parse()
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def save_and_exit(signum, frame):
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()},
                   os.path.join(args.checkpoint_dir, "last.pt"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, save_and_exit)
    for epoch in range(args.epochs):
        for _ in range(500):
            x = torch.randn(64, 16)
            loss = (model(x) - x.sum(dim=1, keepdim=True)).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    main()
