"""Graph neural network (GCN) for node classification on a citation graph, full-batch steps."""
import argparse
import logging

import torch
import torch.nn.functional as F
from torch_geometric.datasets import Planetoid
from torch_geometric.nn import GCNConv

from ckpt import CheckpointManager
from utils.shutdown import install_shutdown_handlers

log = logging.getLogger("gcn")


class GCN(torch.nn.Module):
    def __init__(self, in_dim, hidden, out_dim):
        super().__init__()
        self.conv1 = GCNConv(in_dim, hidden)
        self.conv2 = GCNConv(hidden, out_dim)

    def forward(self, x, edge_index):
        x = F.dropout(F.relu(self.conv1(x, edge_index)), p=0.5, training=self.training)
        return self.conv2(x, edge_index)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="data/Planetoid")
    ap.add_argument("--name", default="PubMed")
    ap.add_argument("--ckpt", default="checkpoints/gcn")
    ap.add_argument("--steps", type=int, default=20_000)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    data = Planetoid(args.root, args.name)[0]
    model = GCN(data.num_features, 64, int(data.y.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5000, gamma=0.5)
    manager = CheckpointManager(args.ckpt, model, optimizer, scheduler)
    install_shutdown_handlers(manager)
    start = manager.restore()

    for step in range(start, args.steps):
        model.train()
        optimizer.zero_grad()
        out = model(data.x, data.edge_index)
        loss = F.cross_entropy(out[data.train_mask], data.y[data.train_mask])
        loss.backward()
        optimizer.step()
        scheduler.step()
        manager.step = step + 1
        if step % 1000 == 0:
            model.eval()
            with torch.no_grad():
                pred = model(data.x, data.edge_index).argmax(1)
                acc = (pred[data.val_mask] == data.y[data.val_mask]).float().mean().item()
            log.info("step %d loss %.4f val_acc %.4f", step, loss.item(), acc)
            manager.save()

    manager.save(tag="final")


if __name__ == "__main__":
    main()
