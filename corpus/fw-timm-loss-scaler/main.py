"""Trains a DeiT-small classifier; the SageMaker job runs `python main.py`."""

import argparse
import os

import timm
import torch
from timm.utils import NativeScaler

from data import loader
from engine import evaluate, train_one_epoch


def main(args):
    device = torch.device("cuda")
    model = timm.create_model("deit_small_patch16_224", num_classes=args.classes).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    loss_scaler = NativeScaler()
    train, val = loader("train", args.batch_size, True), loader("val", args.batch_size, False)
    model_dir = os.environ.get("SM_MODEL_DIR", "output")
    for epoch in range(args.epochs):
        train_one_epoch(model, criterion, train, optimizer, device, loss_scaler, max_norm=1.0)
        accuracy, _ = evaluate(model, val, device)
        print(f"epoch {epoch}: accuracy {accuracy:.3f}")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scaler": loss_scaler.state_dict(), "epoch": epoch},
                   os.path.join(model_dir, "checkpoint.pth"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--classes", type=int, default=1000)
    main(parser.parse_args())
