"""Trains the classifier; the weights are written once, at the end."""

import torch
from torch import nn

from jobs.runner import JobRunner


def train(epochs: int = 30) -> None:
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 8))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        features, labels = torch.randn(256, 64), torch.randint(0, 8, (256,))
        loss = nn.functional.cross_entropy(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), "classifier.pt")


if __name__ == "__main__":
    JobRunner(train, "train").run()
