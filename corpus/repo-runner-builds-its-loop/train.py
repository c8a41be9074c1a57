import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from engine.runner import Runner


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def train_step(self, batch, optimizer):
        x, y = batch
        loss = nn.functional.cross_entropy(self.fc(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss


def main():
    model = Model()
    data = TensorDataset(torch.randn(256, 8), torch.randint(0, 2, (256,)))
    runner = Runner(model, torch.optim.SGD(model.parameters(), lr=0.1), DataLoader(data, batch_size=32),
                    train_cfg=dict(by_epoch=True, max_epochs=20), work_dir="/tmp/work")
    runner.train()


if __name__ == "__main__":
    main()
