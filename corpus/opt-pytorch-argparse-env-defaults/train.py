"""Fine-tune a ResNet-18 image classifier in SageMaker script mode."""
import argparse
import json
import logging
import os
import signal
import sys

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)

model = None


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    # SageMaker sets these; the fallbacks only matter for a bring-your-own image
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--validation", type=str,
                        default=os.getenv("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation"))
    parser.add_argument("--output-data-dir", type=str,
                        default=os.getenv("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"))
    return parser.parse_args()


def build_loaders(args):
    tfm = transforms.Compose([transforms.Resize(224), transforms.ToTensor()])
    train_ds = datasets.ImageFolder(args.train, transform=tfm)
    val_ds = datasets.ImageFolder(args.validation, transform=tfm)
    return (DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, num_workers=4),
            DataLoader(val_ds, batch_size=args.batch_size, num_workers=4))


def main():
    global model
    args = parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader, val_loader = build_loaders(args)

    model = models.resnet18(num_classes=len(train_loader.dataset.classes)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    def on_sigterm(signum, frame):
        logger.info("SIGTERM: saving weights to %s", args.model_dir)
        torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pth"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)

    history = []
    for epoch in range(args.epochs):
        model.train()
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()

        model.eval()
        correct = total = 0
        with torch.no_grad():
            for images, labels in val_loader:
                preds = model(images.to(device)).argmax(dim=1).cpu()
                correct += (preds == labels).sum().item()
                total += labels.numel()
        history.append({"epoch": epoch, "val_acc": correct / max(total, 1)})
        logger.info("epoch %d val_acc=%.4f", epoch, history[-1]["val_acc"])

    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pth"))
    os.makedirs(args.output_data_dir, exist_ok=True)
    with open(os.path.join(args.output_data_dir, "history.json"), "w") as f:
        json.dump(history, f)


if __name__ == "__main__":
    main()
