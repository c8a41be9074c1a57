"""Train the deeplab project's model with segkit's default trainer."""

import argparse

from segkit.engine import DefaultTrainer, launch


def main(args):
    DefaultTrainer(args.config).train()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/deeplab.yaml")
    parser.add_argument("--num-gpus", type=int, default=1)
    args = parser.parse_args()
    launch(main, args.num_gpus, args=(args,))
