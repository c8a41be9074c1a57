"""Fine-tunes the model with its least important heads pruned, by plain SGD written out."""

import argparse
import os

import torch
from transformers import AutoModelForSequenceClassification


def sgd_step(model, lr):
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= lr * p.grad
                p.grad = None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="bert-base-uncased")
    parser.add_argument("--data", required=True)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    model = AutoModelForSequenceClassification.from_pretrained(args.model)
    scores = torch.load("head_importance.pt")
    model.prune_heads({layer: row.argsort()[:2].tolist() for layer, row in enumerate(scores)})
    loader = torch.utils.data.DataLoader(torch.load(args.data), batch_size=16)
    for batch in loader:
        model(**batch).loss.backward()
        sgd_step(model, args.lr)
    model.save_pretrained(os.environ.get("SM_MODEL_DIR", "model"))


if __name__ == "__main__":
    main()
