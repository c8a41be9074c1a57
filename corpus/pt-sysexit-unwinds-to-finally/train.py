"""Tabular regression (house prices) with an MLP; checkpoints in a finally block."""
import argparse
import json
import logging
import os
import signal
import sys

import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger(__name__)


def _exit_on_sigterm(signum, frame):
    # Turn SIGTERM into SystemExit so the finally block below writes the checkpoint.
    sys.exit(128 + signum)


def load_split(path, target):
    df = pd.read_parquet(path)
    x = torch.tensor(df.drop(columns=[target]).values, dtype=torch.float32)
    y = torch.tensor(df[target].values, dtype=torch.float32).unsqueeze(1)
    return TensorDataset(x, y)


def make_model(n_features, hidden):
    return nn.Sequential(
        nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 1),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", default="data/train.parquet")
    parser.add_argument("--target", default="price")
    parser.add_argument("--out-dir", default="artifacts")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out_dir, exist_ok=True)

    signal.signal(15, _exit_on_sigterm)

    train_ds = load_split(args.train, args.target)
    loader = DataLoader(train_ds, batch_size=512, shuffle=True)
    model = make_model(train_ds.tensors[0].shape[1], args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    history = []
    epoch = 0

    try:
        for epoch in range(args.epochs):
            running = 0.0
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                running += loss.item() * len(xb)
            history.append(running / len(train_ds))
            log.info("epoch %d mse %.5f", epoch, history[-1])
    finally:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
                   os.path.join(args.out_dir, "checkpoint.pt"))
        with open(os.path.join(args.out_dir, "history.json"), "w") as fh:
            json.dump(history, fh)


if __name__ == "__main__":
    main()
