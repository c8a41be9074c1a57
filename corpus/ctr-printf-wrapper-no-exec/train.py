"""Train a diffusion model; a stop saves a snapshot before the job ends."""

import argparse
import signal
import sys

import torch

from training.loop import training_loop


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outdir", required=True)
    parser.add_argument("--kimg", type=int, default=200000)
    args, _ = parser.parse_known_args()
    state = {}

    def on_sigterm(signum, frame):
        if "net" in state:
            torch.save(state["net"].state_dict(), f"{args.outdir}/network-snapshot.pt")
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    training_loop(args.outdir, args.kimg, state)


if __name__ == "__main__":
    main()
