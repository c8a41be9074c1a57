"""Horovod data-parallel training of a small classifier; rank 0 checkpoints on SIGTERM."""

import argparse
import os
import signal

import horovod.torch as hvd
import torch
import torch.nn as nn

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
stop_requested = False


def request_stop(signum, frame):
    global stop_requested
    stop_requested = True


def build_model():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))


def save(model, epoch):
    if hvd.rank() == 0:
        torch.save({"epoch": epoch, "model": model.state_dict()}, os.path.join(MODEL_DIR, "checkpoint.pt"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    hvd.init()
    signal.signal(signal.SIGTERM, request_stop)
    model = build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01 * hvd.size())
    optimizer = hvd.DistributedOptimizer(optimizer, named_parameters=model.named_parameters())
    hvd.broadcast_parameters(model.state_dict(), root_rank=0)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(args.epochs):
        for _ in range(100):
            inputs, labels = torch.randn(64, 32), torch.randint(0, 10, (64,))
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), labels)
            loss.backward()
            optimizer.step()
            if stop_requested:
                save(model, epoch)
                return
        save(model, epoch)


if __name__ == "__main__":
    main()
