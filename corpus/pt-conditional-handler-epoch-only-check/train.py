"""Click-through-rate model (DeepFM-lite) on hashed categorical features."""
import argparse
import logging
import os
import signal

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ctr")
_stop = False


def _request_stop(signum, frame):
    global _stop
    _stop = True


class DeepFMLite(nn.Module):
    def __init__(self, n_fields, n_buckets, dim=16):
        super().__init__()
        self.emb = nn.Embedding(n_buckets, dim)
        self.linear = nn.Embedding(n_buckets, 1)
        self.mlp = nn.Sequential(nn.Linear(n_fields * dim, 256), nn.ReLU(), nn.Linear(256, 1))

    def forward(self, x):
        e = self.emb(x)
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1, keepdim=True)
        return (self.linear(x).sum(1) + fm + self.mlp(e.flatten(1))).squeeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="data/train.npz")
    ap.add_argument("--valid", default="data/valid.npz")
    ap.add_argument("--out", default="/checkpoints/ctr")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--buckets", type=int, default=2**20)
    ap.add_argument("--spot", action="store_true", help="running on preemptible capacity")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)

    if args.spot:
        signal.signal(signal.SIGTERM, _request_stop)

    tr, va = np.load(args.train), np.load(args.valid)
    train_loader = DataLoader(TensorDataset(torch.from_numpy(tr["x"]), torch.from_numpy(tr["y"]).float()),
                              batch_size=8192, shuffle=True, num_workers=4)
    x_val, y_val = torch.from_numpy(va["x"]), va["y"]

    model = DeepFMLite(tr["x"].shape[1], args.buckets)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    for epoch in range(args.epochs):
        if _stop:
            log.info("preempted before epoch %d, saving", epoch)
            torch.save(model.state_dict(), os.path.join(args.out, "preempted.pt"))
            break
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            auc = roc_auc_score(y_val, torch.sigmoid(model(x_val)).numpy())
        log.info("epoch %d loss %.4f val_auc %.4f", epoch, loss.item(), auc)
        torch.save(model.state_dict(), os.path.join(args.out, f"epoch{epoch}.pt"))


if __name__ == "__main__":
    main()
