"""Time generation for each model named on the command line; trains nothing."""

import argparse
import time

import torch

from lm.distributed.utils import call_main


def generate(cfg):
    model = torch.load(cfg.checkpoint)
    model.eval()
    started = time.perf_counter()
    with torch.no_grad():
        for _ in range(cfg.samples):
            model(torch.randn(1, cfg.width))
    print(f"{cfg.checkpoint}: {(time.perf_counter() - started) / cfg.samples:.4f} s per sample")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--world-size", type=int, default=1)
    args = parser.parse_args()
    for checkpoint in args.checkpoints:
        args.checkpoint = checkpoint
        call_main(args, generate)


if __name__ == "__main__":
    main()
