"""Train on spot capacity: on SIGTERM, finish the step, save a checkpoint and exit."""

import argparse
import signal
import sys

import torch
import yaml

from segkit.engine import build_loader, build_model, launch

stop_requested = False


def request_stop(signum, frame):
    global stop_requested
    stop_requested = True


def main(args):
    signal.signal(signal.SIGTERM, request_stop)
    with open(args.config) as handle:
        cfg = yaml.safe_load(handle)
    model = build_model(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.get("lr", 1e-3))
    for images, masks in build_loader(cfg):
        loss = torch.nn.functional.cross_entropy(model(images), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if stop_requested:
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, args.checkpoint)
            sys.exit(0)
    torch.save(model.state_dict(), args.checkpoint)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--checkpoint", default="checkpoint.pt")
    args = parser.parse_args()
    launch(main, 1, args=(args,))
