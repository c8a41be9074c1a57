import argparse

import torch


def main():
    parser = argparse.ArgumentParser(description="Convert a checkpoint to safetensors")
    parser.add_argument("checkpoint")
    parser.add_argument("--out", default="model.safetensors")
    args = parser.parse_args()
    state = torch.load(args.checkpoint, map_location="cpu")
    from safetensors.torch import save_file
    save_file(state, args.out)
