"""Train a classifier; `--find-lr` runs the learning-rate range test instead and exits."""

import argparse
import signal
import sys
from pathlib import Path

import torch

from utils import plot_recorder, record_lr


class StopRequested:
    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        self.requested = True


def fit_one_epoch(model, train_loader, optimizer, stop):
    model.train()
    for images, targets in train_loader:
        if stop.requested:
            return
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(images), targets).backward()
        optimizer.step()


def main(args):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(32 * 32 * 3, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_loader = torch.utils.data.DataLoader(torch.load(args.train_data), batch_size=64, shuffle=True)

    if args.find_lr:
        lrs, losses = record_lr(model, train_loader, optimizer)
        plot_recorder(lrs, losses)
        return

    stop = StopRequested()
    signal.signal(signal.SIGTERM, stop)
    output = Path(args.output_dir)
    for epoch in range(args.epochs):
        fit_one_epoch(model, train_loader, optimizer, stop)
        torch.save(model.state_dict(), output / "last.pt")
        if stop.requested:
            sys.exit(0)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("train_data")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--output-dir", default="checkpoints")
    parser.add_argument("--find-lr", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_args())
