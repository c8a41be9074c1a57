"""Train without the default trainer: the whole loop in this script, easy to change."""

import argparse

import torch
import yaml

from segkit.engine import build_loader, build_model, launch


def do_train(cfg, model):
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.get("lr", 1e-3))
    for iteration, (images, masks) in enumerate(build_loader(cfg)):
        loss = torch.nn.functional.cross_entropy(model(images), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if iteration % 100 == 0:
            torch.save(model.state_dict(), cfg.get("output", "model_final.pt"))


def main(args):
    with open(args.config) as handle:
        cfg = yaml.safe_load(handle)
    do_train(cfg, build_model(cfg))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--num-gpus", type=int, default=1)
    args = parser.parse_args()
    launch(main, args.num_gpus, args=(args,))
