"""A small SageMaker-style PyTorch training script with a stop-handling mistake.

Run `sigcheck examples/quickstart/train.py` to see them reported with their traces.
"""

import argparse
import logging
import os
import signal
import sys

import torch
from torch import nn

logger = logging.getLogger(__name__)


def on_sigterm(signum, frame):
    logger.info("SIGTERM received, shutting down")
    sys.exit(0)


def build_model() -> nn.Module:
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))


def train(args):
    model = build_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        for epoch in range(args.epochs):
            for step in range(args.steps_per_epoch):
                batch = torch.randn(16, 32)
                loss = model(batch).pow(2).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            logger.info("epoch %d done", epoch)
    except Exception:
        logger.exception("training failed")
        raise
    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps-per-epoch", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    train(parser.parse_args())
