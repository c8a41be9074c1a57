import argparse
import logging
import signal

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import ckpt
from utils.signals import handle_sigterm

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
logger = logging.getLogger("train")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", default="/opt/ml/input/data/train")
    p.add_argument("--ckpt-dir", default="/opt/ml/checkpoints")
    p.add_argument("--model-dir", default="/opt/ml/model")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    return p.parse_args()


def build_model(num_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(128, num_classes),
    )


def main():
    args = parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    tfm = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.ToTensor()])
    train_set = datasets.CIFAR10(args.data_dir, train=True, transform=tfm, download=False)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=4)

    model = build_model().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    criterion = nn.CrossEntropyLoss()

    ckpt.configure(args.ckpt_dir)
    ckpt.track(model=model, optimizer=optimizer, scheduler=scheduler)
    state = ckpt.load_latest(map_location=device)
    start_epoch = state["epoch"] + 1 if state else 0

    signal.signal(signal.SIGTERM, handle_sigterm)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        for step, (images, labels) in enumerate(train_loader):
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            ckpt.update_progress(epoch, step)
            if step % 100 == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
        scheduler.step()
        ckpt.save_latest(tag="latest")

    torch.save(model.state_dict(), f"{args.model_dir}/model.pt")


if __name__ == "__main__":
    main()
