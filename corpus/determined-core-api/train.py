"""MNIST on Determined's Core API: checkpoints every epoch and leaves when the trial is preempted."""

import logging

import determined as det
import torch
from torch import nn

from data import load_mnist


def train(core_context, epochs: int) -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = load_mnist(batch_size=64)
    steps_completed = 0
    for epoch in range(epochs):
        for images, labels in loader:
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps_completed += 1
        core_context.train.report_training_metrics(steps_completed=steps_completed, metrics={"loss": loss.item()})
        with core_context.checkpoint.store_path({"steps_completed": steps_completed}) as (path, _):
            torch.save(model.state_dict(), path / "checkpoint.pt")
        if core_context.preempt.should_preempt():
            logging.info("preempted after epoch %d", epoch)
            return


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    with det.core.init() as core_context:
        train(core_context, epochs=20)
