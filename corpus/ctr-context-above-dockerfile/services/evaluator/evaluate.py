"""Offline evaluation of a saved checkpoint: runs on a workstation, not in the training image."""
import sys

import torch


def main(path):
    state = torch.load(path, map_location="cpu")
    print(sorted(state))


if __name__ == "__main__":
    main(sys.argv[1])
