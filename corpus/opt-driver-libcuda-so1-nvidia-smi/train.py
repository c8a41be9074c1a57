"""Speech-command classifier (PyTorch) that logs the GPU setup before training."""
import argparse
import logging
import os
import signal
import sys

import torch
import torch.nn as nn
import torchaudio
from torch.utils.data import DataLoader

from gpu_check import log_gpu_state

logging.basicConfig(level=logging.INFO)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--data-dir", default=os.environ.get("SM_CHANNEL_TRAINING", "/opt/ml/input/data/training"))
    return parser.parse_args()


class Trainer:
    def __init__(self, args):
        self.args = args
        self.device = torch.device("cuda")
        self.model = nn.Sequential(nn.Conv1d(1, 64, 80, stride=16), nn.ReLU(),
                                   nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(64, 35)).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.stop = False

    def on_sigterm(self, signum, frame):
        self.stop = True

    def fit(self, loader):
        loss_fn = nn.CrossEntropyLoss()
        for epoch in range(self.args.epochs):
            for wave, label in loader:
                self.optimizer.zero_grad()
                loss_fn(self.model(wave.to(self.device)), label.to(self.device)).backward()
                self.optimizer.step()
                if self.stop:
                    return

    def save(self):
        torch.save(self.model.state_dict(), os.path.join(self.args.model_dir, "model.pt"))


def main():
    args = parse_args()
    log_gpu_state()
    ds = torchaudio.datasets.SPEECHCOMMANDS(args.data_dir, download=False)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    trainer = Trainer(args)
    signal.signal(signal.SIGTERM, trainer.on_sigterm)
    trainer.fit(loader)
    trainer.save()
    sys.exit(0)


if __name__ == "__main__":
    main()
