"""Sentiment classifier (embedding bag) on a CSV of reviews."""
import argparse
import logging
import os
import signal
import sys

import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

import preemption
from text_data import ReviewDataset, collate_batch

logger = logging.getLogger("sentiment")


class EmbeddingBagClassifier(nn.Module):
    def __init__(self, vocab_size, dim, num_classes):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, dim, mode="mean")
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, tokens, offsets):
        return self.fc(self.embedding(tokens, offsets))


def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default="data/reviews.csv")
    ap.add_argument("--out", default="runs/sentiment")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=5.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")

    dataset = ReviewDataset(pd.read_csv(args.csv))
    loader = DataLoader(dataset, batch_size=64, shuffle=True, collate_fn=collate_batch)
    model = EmbeddingBagClassifier(len(dataset.vocab), 64, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.9)
    criterion = nn.CrossEntropyLoss()

    start_epoch = 0
    if os.path.exists(ckpt_path):
        state = torch.load(ckpt_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch = state["epoch"]

    previous_handler = preemption.install()
    epoch = start_epoch
    try:
        for epoch in range(start_epoch, args.epochs):
            model.train()
            for labels, tokens, offsets in loader:
                optimizer.zero_grad()
                loss = criterion(model(tokens, offsets), labels)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
                optimizer.step()
            scheduler.step()
            save_checkpoint(ckpt_path, model, optimizer, epoch + 1)
            logger.info("epoch %d done, last loss %.4f", epoch, loss.item())
    except preemption.Preempted as exc:
        logger.warning("%s during epoch %d, checkpointing before exit", exc, epoch)
        save_checkpoint(ckpt_path, model, optimizer, epoch)
        return 128 + exc.signum
    finally:
        signal.signal(signal.Signals.SIGTERM, previous_handler)

    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
