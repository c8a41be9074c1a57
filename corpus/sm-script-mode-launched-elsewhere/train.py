"""ResNet-50 on SageMaker in script mode. The estimator lives in the team's infrastructure
repository; this script reads the locations the training toolkit gives it."""
import argparse
import os
import signal
import sys

import torch
import torchvision
from torch.utils.data import DataLoader


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAINING"])
    return parser.parse_args()


def main():
    args = parse_args()
    model = torchvision.models.resnet50()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    data = torchvision.datasets.ImageFolder(args.train, transform=torchvision.transforms.ToTensor())
    loader = DataLoader(data, batch_size=64, shuffle=True, num_workers=8)

    def save_and_exit(signum, frame):
        torch.save(model.state_dict(), os.path.join(args.model_dir, "interrupted.pt"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, save_and_exit)
    for epoch in range(args.epochs):
        for images, labels in loader:
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))


if __name__ == "__main__":
    main()
