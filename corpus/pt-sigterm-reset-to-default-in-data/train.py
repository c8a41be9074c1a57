"""Keyword spotting CNN on log-mel spectrograms."""
import argparse
import logging
import os
import signal

import torch
import torch.nn as nn

from data import build_dataloaders

log = logging.getLogger("kws")
STOP_REQUESTED = False

LABELS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


def request_stop(signum, frame):
    global STOP_REQUESTED
    STOP_REQUESTED = True


def make_model(n_classes):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, n_classes),
    )


def save(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


@torch.no_grad()
def validate(model, val_loader):
    model.eval()
    hits = seen = 0
    for spec, label in val_loader:
        if STOP_REQUESTED:
            break
        hits += (model(spec).argmax(-1) == label).sum().item()
        seen += len(label)
    model.train()
    return hits / max(seen, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/data/speech_commands")
    ap.add_argument("--out", default="runs/kws")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--workers", type=int, default=6)
    cfg = ap.parse_args()
    cfg.labels = LABELS
    logging.basicConfig(level=logging.INFO)
    os.makedirs(cfg.out, exist_ok=True)
    ckpt = os.path.join(cfg.out, "last.pt")

    signal.signal(signal.SIGTERM, request_stop)

    train_loader, val_loader = build_dataloaders(cfg)
    model = make_model(len(LABELS))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(cfg.epochs):
        for spec, label in train_loader:
            if STOP_REQUESTED:
                log.info("stopping in epoch %d", epoch)
                save(ckpt, model, optimizer, epoch)
                return
            optimizer.zero_grad()
            loss = criterion(model(spec), label)
            loss.backward()
            optimizer.step()
        acc = validate(model, val_loader)
        log.info("epoch %d loss %.4f val_acc %.3f", epoch, loss.item(), acc)
        save(ckpt, model, optimizer, epoch + 1)


if __name__ == "__main__":
    main()
