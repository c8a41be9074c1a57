"""Trains the baseline; `python train.py --epochs 30 --lr 3e-4` (python-fire maps flags to arguments)."""

import fire
import torch
from torch import nn


def train(epochs: int = 10, lr: float = 1e-3, out: str = "model.pt"):
    model = nn.Linear(128, 10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(1024, 128),
                                                                        torch.randint(0, 10, (1024,))), batch_size=32)
    for epoch in range(epochs):
        for features, labels in loader:
            loss = nn.functional.cross_entropy(model(features), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    torch.save(model.state_dict(), out)


if __name__ == "__main__":
    fire.Fire(train)
