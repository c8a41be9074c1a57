import argparse
import logging
import sys

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms

from trainer import Trainer


def parse_args():
    p = argparse.ArgumentParser(description="ResNet-18 fine-tuning on an ImageFolder dataset")
    p.add_argument("--train-dir", required=True)
    p.add_argument("--val-dir", required=True)
    p.add_argument("--ckpt-dir", default="checkpoints")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--workers", type=int, default=8)
    return p.parse_args()


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = parse_args()

    normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    train_tf = transforms.Compose([
        transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), normalize,
    ])
    val_tf = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), normalize,
    ])
    train_loader = DataLoader(datasets.ImageFolder(cfg.train_dir, train_tf),
                              batch_size=cfg.batch_size, shuffle=True, num_workers=cfg.workers)
    val_loader = DataLoader(datasets.ImageFolder(cfg.val_dir, val_tf),
                            batch_size=cfg.batch_size, num_workers=cfg.workers)

    model = models.resnet18(weights="IMAGENET1K_V1")
    model.fc = torch.nn.Linear(model.fc.in_features, len(train_loader.dataset.classes))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainer = Trainer(model, optimizer, train_loader, val_loader, cfg, device=device)
    finished = trainer.fit()
    return 0 if finished else 143


if __name__ == "__main__":
    sys.exit(main())
