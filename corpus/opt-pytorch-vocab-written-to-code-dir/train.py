"""Character-level transformer for product titles; builds its vocabulary before training."""
import argparse
import collections
import json
import os
import signal
import sys

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# keep the vocabulary next to the code so inference.py can find it
ARTIFACTS_DIR = os.path.join("/opt/ml/code", "artifacts")


def build_vocab(lines, min_count=5):
    counts = collections.Counter(ch for line in lines for ch in line)
    chars = sorted(c for c, n in counts.items() if n >= min_count)
    return {c: i + 2 for i, c in enumerate(chars)}  # 0 = pad, 1 = unk


def encode(lines, vocab, max_len=64):
    ids = torch.zeros(len(lines), max_len, dtype=torch.long)
    for row, line in enumerate(lines):
        for col, ch in enumerate(line[:max_len]):
            ids[row, col] = vocab.get(ch, 1)
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args, _ = parser.parse_known_args()

    with open(os.path.join(args.train, "titles.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    titles, labels = [r[0] for r in rows], torch.tensor([int(r[1]) for r in rows])

    vocab = build_vocab(titles)
    os.makedirs(ARTIFACTS_DIR, exist_ok=True)
    with open(os.path.join(ARTIFACTS_DIR, "vocab.json"), "w") as f:
        json.dump(vocab, f)

    loader = DataLoader(TensorDataset(encode(titles, vocab), labels), batch_size=512, shuffle=True)
    layer = nn.TransformerEncoderLayer(128, 4, batch_first=True)
    model = nn.ModuleDict({"emb": nn.Embedding(len(vocab) + 2, 128),
                           "enc": nn.TransformerEncoder(layer, 4),
                           "head": nn.Linear(128, int(labels.max()) + 1)})
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.update(flag=True))

    for epoch in range(args.epochs):
        for x, y in loader:
            logits = model["head"](model["enc"](model["emb"](x)).mean(dim=1))
            loss = nn.functional.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if stop["flag"]:
                break
        if stop["flag"]:
            break

    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))
    if stop["flag"]:
        sys.exit(0)


if __name__ == "__main__":
    main()
