"""Train the detector: the batch size is found by profiling first, then the epochs run."""

import argparse
import os

import torch

from models.detector import Detector
from utils.profiling import largest_batch


def train(args):
    model = Detector().to(args.device)
    batch_size = args.batch_size if args.batch_size > 0 else largest_batch(model, args.image_size)
    loader = torch.utils.data.DataLoader(torch.load(args.data), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(args.epochs):
        for images, targets in loader:
            loss = torch.nn.functional.mse_loss(model(images.to(args.device)), targets.to(args.device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        torch.save(model.state_dict(), os.path.join(args.model_dir, "last.pt"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/opt/ml/input/data/train/images.pt")
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=-1)
    parser.add_argument("--image-size", type=int, default=640)
    parser.add_argument("--device", default="cuda")
    train(parser.parse_args())
