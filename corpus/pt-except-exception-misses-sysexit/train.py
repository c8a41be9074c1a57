"""LSTM load forecasting on hourly smart-meter data."""
import argparse
import logging
import os
import signal as s
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("forecast")


class WindowDataset(Dataset):
    def __init__(self, series, lookback=168, horizon=24):
        self.series = torch.tensor(series, dtype=torch.float32)
        self.lookback, self.horizon = lookback, horizon

    def __len__(self):
        return len(self.series) - self.lookback - self.horizon

    def __getitem__(self, i):
        x = self.series[i:i + self.lookback].unsqueeze(-1)
        y = self.series[i + self.lookback:i + self.lookback + self.horizon]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, hidden=128, horizon=24):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.2)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def handle_sigterm(signum, frame):
    logger.warning("SIGTERM received, shutting down")
    sys.exit(128 + signum)


def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", default="data/load.npy")
    ap.add_argument("--out", default="/opt/ml/model")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--save-every", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    s.signal(s.SIGTERM, handle_sigterm)

    series = np.load(args.series)
    series = (series - series.mean()) / series.std()
    loader = DataLoader(WindowDataset(series), batch_size=256, shuffle=True)
    model = Forecaster()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.SmoothL1Loss()
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    epoch = 0

    try:
        for epoch in range(args.epochs):
            for x, y in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
            logger.info("epoch %d loss %.4f", epoch, loss.item())
            if (epoch + 1) % args.save_every == 0:
                save_checkpoint(ckpt_path, model, optimizer, epoch + 1)
    except Exception:
        # crash or preemption: keep what we have before the job dies
        logger.exception("training interrupted, writing emergency checkpoint")
        save_checkpoint(ckpt_path, model, optimizer, epoch)
        raise

    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))


if __name__ == "__main__":
    main()
