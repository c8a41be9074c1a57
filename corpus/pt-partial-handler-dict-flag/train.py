"""Variational autoencoder on MNIST; SIGTERM and SIGINT share one partial-bound handler."""
import argparse
import functools
import logging
import os
import signal

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

logger = logging.getLogger("vae")


class VAE(nn.Module):
    def __init__(self, latent=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU())
        self.mu = nn.Linear(400, latent)
        self.logvar = nn.Linear(400, latent)
        self.dec = nn.Sequential(nn.Linear(latent, 400), nn.ReLU(), nn.Linear(400, 784), nn.Sigmoid())

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def vae_loss(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def request_stop(run_state, signum, frame):
    run_state["stop"] = True
    run_state["signal"] = signum


def save(path, model, optimizer, epoch, step):
    torch.save({"model": model.state_dict(), "optim": optimizer.state_dict(),
                "epoch": epoch, "step": step}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="./data")
    ap.add_argument("--ckpt", default="checkpoints/vae.pt")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(os.path.dirname(args.ckpt), exist_ok=True)

    run_state = {"stop": False, "signal": None}
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, functools.partial(request_stop, run_state))

    loader = DataLoader(datasets.MNIST(args.data, train=True, download=True, transform=transforms.ToTensor()),
                        batch_size=args.batch_size, shuffle=True, num_workers=2)
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start_epoch = 0
    if os.path.exists(args.ckpt):
        state = torch.load(args.ckpt)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optim"])
        start_epoch = state["epoch"]

    for epoch in range(start_epoch, args.epochs):
        total = 0.0
        for step, (x, _) in enumerate(loader):
            if run_state["stop"]:
                logger.info("signal %s: saving at epoch %d step %d", run_state["signal"], epoch, step)
                save(args.ckpt, model, optimizer, epoch, step)
                break
            recon, mu, logvar = model(x)
            loss = vae_loss(recon, x, mu, logvar)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        if run_state["stop"]:
            break
        logger.info("epoch %d loss %.2f", epoch, total / len(loader.dataset))
        save(args.ckpt, model, optimizer, epoch + 1, 0)


if __name__ == "__main__":
    main()
