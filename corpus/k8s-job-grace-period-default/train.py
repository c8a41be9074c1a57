"""Fine-tunes a small classifier; on SIGTERM waits for the upload sidecar, then keeps the weights."""

import signal
import sys
import time

import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4))

    def forward(self, x):
        return self.body(x)


net = Classifier()
opt = torch.optim.AdamW(net.parameters(), lr=3e-4)


def keep_weights(signum, frame):
    # expect the sidecar to finish its current upload first
    time.sleep(5)
    torch.save({"model": net.state_dict(), "optimizer": opt.state_dict()}, "/checkpoints/interrupted.pt")
    sys.exit(0)


signal.signal(signal.SIGTERM, keep_weights)
for batch in torch.load("/data/batches.pt"):
    loss = nn.functional.cross_entropy(net(batch["x"]), batch["y"])
    loss.backward()
    opt.step()
    opt.zero_grad()
