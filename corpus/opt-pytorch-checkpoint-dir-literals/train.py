"""Wav2Vec2-style keyword spotter, PyTorch on SageMaker managed spot instances."""
import argparse
import os
import signal
import sys

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from ckpt import load_latest, save_checkpoint
from data import KeywordDataset


def checkpoint_root():
    """Where SageMaker expects checkpoints when checkpoint_s3_uri is set on the estimator."""
    return "/opt/ml/checkpoints"


def build_model(n_classes):
    return nn.Sequential(nn.Conv1d(1, 128, 400, stride=160), nn.GELU(),
                         nn.Conv1d(128, 128, 3, padding=1), nn.GELU(),
                         nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(128, n_classes))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    args = parser.parse_args()

    ds = KeywordDataset(args.train)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=6)
    model = build_model(ds.n_classes).cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    start_epoch = 0
    state = load_latest(checkpoint_root())
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch = state["epoch"] + 1

    current = {"epoch": start_epoch}

    def on_sigterm(signum, frame):
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "epoch": current["epoch"] - 1}, current["epoch"])
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(start_epoch, args.epochs):
        current["epoch"] = epoch
        for audio, label in loader:
            optimizer.zero_grad()
            loss_fn(model(audio.cuda()), label.cuda()).backward()
            optimizer.step()
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
                        epoch, checkpoint_root())

    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))


if __name__ == "__main__":
    main()
