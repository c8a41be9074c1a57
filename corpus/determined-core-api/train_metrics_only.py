"""The tutorial's earlier stage: reports metrics, but neither checkpoints nor checks for preemption."""

import determined as det
import torch
from torch import nn

from data import load_mnist


def train(core_context, epochs: int) -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    steps_completed = 0
    for epoch in range(epochs):
        for images, labels in load_mnist(batch_size=64):
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps_completed += 1
        core_context.train.report_training_metrics(steps_completed=steps_completed, metrics={"loss": loss.item()})


if __name__ == "__main__":
    with det.core.init() as core_context:
        train(core_context, epochs=5)
