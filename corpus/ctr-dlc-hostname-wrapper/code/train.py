"""The training script the image runs as SAGEMAKER_PROGRAM: saves a checkpoint on SIGTERM."""
import argparse
import os
import signal
import sys

import torch

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
stop_requested = False


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True


def save(model):
    torch.save(model.state_dict(), os.path.join(MODEL_DIR, "model.pt"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    args, _ = parser.parse_known_args()  # SageMaker passes `train`
    model = torch.nn.Linear(10, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(args.epochs):
        for step in range(100):
            optimizer.zero_grad()
            loss = model(torch.randn(8, 10)).pow(2).mean()
            loss.backward()
            optimizer.step()
            if stop_requested:
                save(model)
                sys.exit(0)
    save(model)


if __name__ == "__main__":
    main()
