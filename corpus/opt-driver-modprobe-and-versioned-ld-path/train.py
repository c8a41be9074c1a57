"""Graph neural network for molecule property prediction (PyTorch Geometric, SageMaker)."""
import argparse
import os
import signal
import sys

import torch
from torch_geometric.datasets import QM9
from torch_geometric.loader import DataLoader
from torch_geometric.nn import GINConv, global_add_pool

from setup_gpu import prepare_gpus

stop = False


def on_sigterm(signum, frame):
    global stop
    stop = True


class GIN(torch.nn.Module):
    def __init__(self, in_dim, hidden=128, layers=5):
        super().__init__()
        self.convs = torch.nn.ModuleList()
        for i in range(layers):
            mlp = torch.nn.Sequential(torch.nn.Linear(in_dim if i == 0 else hidden, hidden), torch.nn.ReLU(),
                                      torch.nn.Linear(hidden, hidden))
            self.convs.append(GINConv(mlp))
        self.out = torch.nn.Linear(hidden, 1)

    def forward(self, data):
        x = data.x
        for conv in self.convs:
            x = conv(x, data.edge_index).relu()
        return self.out(global_add_pool(x, data.batch)).squeeze(-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--target", type=int, default=7)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--data", default=os.environ.get("SM_CHANNEL_QM9", "/opt/ml/input/data/qm9"))
    args, _ = parser.parse_known_args()

    prepare_gpus()
    ds = QM9(args.data)
    loader = DataLoader(ds, batch_size=128, shuffle=True)
    model = GIN(ds.num_features).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    signal.signal(signal.SIGTERM, on_sigterm)

    for epoch in range(args.epochs):
        for batch in loader:
            batch = batch.cuda()
            loss = torch.nn.functional.l1_loss(model(batch), batch.y[:, args.target])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if stop:
                break
        if stop:
            break

    torch.save(model.state_dict(), os.path.join(args.model_dir, "gin.pt"))
    if stop:
        sys.exit(0)


if __name__ == "__main__":
    main()
