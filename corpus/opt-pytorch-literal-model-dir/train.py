"""U-Net segmentation of satellite tiles, PyTorch on SageMaker."""
import argparse
import json
import os
import signal
import sys

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from dataset import TileDataset
from unet import UNet

MODEL_DIR = "/opt/ml/model"
TRAIN_DIR = os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")


def dice(pred, target, eps=1e-6):
    inter = (pred * target).sum()
    return (2 * inter + eps) / (pred.sum() + target.sum() + eps)


def save(model, name="model.pth"):
    torch.save(model.state_dict(), os.path.join(MODEL_DIR, name))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-4)
    args, _ = parser.parse_known_args()

    loader = DataLoader(TileDataset(TRAIN_DIR), batch_size=args.batch_size, shuffle=True, num_workers=8)
    model = UNet(in_channels=4, classes=1).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.BCEWithLogitsLoss()

    def on_sigterm(signum, frame):
        save(model, "interrupted.pth")
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)

    best = 0.0
    for epoch in range(args.epochs):
        scores = []
        for tiles, masks in loader:
            tiles, masks = tiles.cuda(), masks.cuda()
            logits = model(tiles)
            loss = loss_fn(logits, masks)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scores.append(dice(torch.sigmoid(logits) > 0.5, masks).item())
        epoch_dice = sum(scores) / len(scores)
        if epoch_dice > best:
            best = epoch_dice
            save(model, "best.pth")

    save(model)
    with open(f"{MODEL_DIR}/metrics.json", "w") as f:
        json.dump({"best_dice": best}, f)


if __name__ == "__main__":
    main()
