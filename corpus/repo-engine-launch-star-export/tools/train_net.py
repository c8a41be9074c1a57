"""Train a detector with the default trainer, on every GPU of this machine."""

import argparse

import torch
import yaml

from visionkit.engine import DefaultTrainer, launch


def main(args):
    with open(args.config) as handle:
        cfg = yaml.safe_load(handle)
    trainer = DefaultTrainer(cfg)
    trainer.train()
    torch.save(trainer._trainer.model.state_dict(), args.output)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--output", default="model_final.pt")
    parser.add_argument("--num-gpus", type=int, default=1)
    args = parser.parse_args()
    launch(main, args.num_gpus, args=(args,))
