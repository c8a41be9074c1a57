"""Score a trained model on the validation set: no training here."""

import argparse

import torch
import yaml

from segkit.engine import build_loader, build_model, launch


def main(args):
    with open(args.config) as handle:
        cfg = yaml.safe_load(handle)
    model = build_model(cfg)
    model.load_state_dict(torch.load(args.weights))
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, masks in build_loader(cfg):
            correct += (model(images).argmax(1) == masks).sum().item()
            total += masks.numel()
    print(f"pixel accuracy {correct / total:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--weights", required=True)
    args = parser.parse_args()
    launch(main, 1, args=(args,))
