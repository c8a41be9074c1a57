"""A small detector. Run as a script, it profiles its layers."""

import argparse

import torch
from torch import nn

from utils.profiling import profile


class Detector(nn.Module):
    def __init__(self, classes=80):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.SiLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.SiLU())
        self.head = nn.Conv2d(64, classes + 5, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--image-size", type=int, default=640)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    model = Detector()
    image = torch.rand(8, 3, args.image_size, args.image_size)
    for row in profile([image], [model, model.backbone], device=args.device):
        print(*row)
