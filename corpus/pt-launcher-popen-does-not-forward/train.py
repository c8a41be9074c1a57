"""BiLSTM sequence tagger for named entities; started by launch.py."""
import argparse
import os
import signal

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from conll import ConllDataset, pad_collate

stop_requested = False


def _on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, tags, dim=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, dim, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * dim, tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.emb(tokens))
        return self.out(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default="/opt/ml/model")
    ap.add_argument("--train", default="/opt/ml/input/data/train/train.conll")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    ds = ConllDataset(args.train)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, collate_fn=pad_collate)
    model = BiLSTMTagger(len(ds.vocab), len(ds.tags))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)

    signal.signal(signal.SIGTERM, _on_sigterm)

    for epoch in range(args.epochs):
        for tokens, tags in loader:
            if stop_requested:
                break
            logits = model(tokens)
            loss = loss_fn(logits.flatten(0, 1), tags.flatten())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if stop_requested:
            break
        print(f"epoch {epoch} loss {loss.item():.4f}")

    os.makedirs(args.model_dir, exist_ok=True)
    torch.save({"model": model.state_dict(), "vocab": ds.vocab, "tags": ds.tags},
               os.path.join(args.model_dir, "tagger.pt"))


if __name__ == "__main__":
    main()
