"""Scores a saved checkpoint on the validation split: calls the model and the loss, trains nothing."""

import sys

import timm
import torch

from data import loader
from engine import evaluate


if __name__ == "__main__":
    checkpoint = torch.load(sys.argv[1], map_location="cpu")
    model = timm.create_model("deit_small_patch16_224", num_classes=int(sys.argv[2]))
    model.load_state_dict(checkpoint["model"])
    accuracy, loss = evaluate(model.cuda(), loader("val", 256, False), torch.device("cuda"))
    print(f"accuracy {accuracy:.4f}, loss {loss:.4f}")
