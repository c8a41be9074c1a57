"""Evaluate a checkpoint: perplexity over a held-out set."""

import math
import sys

import torch

from tunekit import config


@config.parse
def recipe_main(cfg):
    model = torch.load(cfg["checkpoint"])
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in torch.load(cfg["data"]):
            total += model(**batch).loss.item()
            count += 1
    print(f"perplexity {math.exp(total / max(count, 1)):.2f}")


if __name__ == "__main__":
    sys.exit(recipe_main())
