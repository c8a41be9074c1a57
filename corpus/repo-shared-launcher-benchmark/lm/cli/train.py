"""Train a language model: `python -m lm.cli.train --data DIR`."""

import argparse

import torch

from lm.distributed.utils import call_main


def main(cfg):
    model = torch.nn.Linear(cfg.width, cfg.width)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    for step in range(cfg.max_steps):
        batch = torch.randn(cfg.batch_size, cfg.width)
        loss = model(batch).pow(2).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % cfg.save_every == 0:
            torch.save(model.state_dict(), f"{cfg.save_dir}/checkpoint_{step}.pt")


def cli_main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-steps", type=int, default=10_000)
    parser.add_argument("--save-every", type=int, default=500)
    parser.add_argument("--save-dir", default="checkpoints")
    parser.add_argument("--world-size", type=int, default=1)
    call_main(parser.parse_args(), main)


if __name__ == "__main__":
    cli_main()
