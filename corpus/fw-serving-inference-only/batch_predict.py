"""Offline scoring: run the model over a CSV of reviews and write predictions.

    python batch_predict.py --input reviews.csv --output scored.csv
"""

import argparse
import logging

import pandas as pd
from torch.utils.data import DataLoader

import model_loader

log = logging.getLogger("batch_predict")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    frame = pd.read_csv(args.input)
    tokenizer, model, device = model_loader.load()
    loader = DataLoader(frame["text"].tolist(), batch_size=args.batch_size)

    results = []
    for i, texts in enumerate(loader):
        results.extend(model_loader.predict(tokenizer, model, device, list(texts)))
        if i % 50 == 0:
            log.info("scored %d/%d", len(results), len(frame))

    frame["label"] = [r["label"] for r in results]
    frame["score"] = [r["score"] for r in results]
    frame.to_csv(args.output, index=False)
    log.info("wrote %s", args.output)


if __name__ == "__main__":
    main()
