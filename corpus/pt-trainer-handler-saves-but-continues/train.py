"""Two-tower retrieval model on (user, item) interaction logs."""
import argparse
import logging

import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from trainer import RecsysTrainer


class Tower(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, ids):
        return nn.functional.normalize(self.mlp(self.emb(ids)), dim=-1)


class TwoTower(nn.Module):
    def __init__(self, n_users, n_items, dim=64):
        super().__init__()
        self.user_tower = Tower(n_users, dim)
        self.item_tower = Tower(n_items, dim)

    def forward(self, users, items):
        return self.user_tower(users), self.item_tower(items)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interactions", default="data/interactions.parquet")
    ap.add_argument("--out-dir", default="checkpoints")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=4096)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    df = pd.read_parquet(args.interactions)
    users = torch.tensor(df["user_idx"].values)
    items = torch.tensor(df["item_idx"].values)
    loader = DataLoader(TensorDataset(users, items), batch_size=args.batch_size, shuffle=True, drop_last=True)

    model = TwoTower(int(users.max()) + 1, int(items.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    trainer = RecsysTrainer(model, optimizer, loader, args.out_dir, args.epochs)
    trainer.train()


if __name__ == "__main__":
    main()
