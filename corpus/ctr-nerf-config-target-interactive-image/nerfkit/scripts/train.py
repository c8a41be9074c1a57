"""ns-train-style entry point: build the trainer from its config and train."""

import random

import torch

from nerfkit.engine.trainer import TrainerConfig


def train_loop(local_rank: int, config: TrainerConfig) -> None:
    random.seed(config.machine.seed)
    torch.manual_seed(config.machine.seed)
    trainer = config.setup(local_rank=local_rank)
    trainer.train()


def main() -> None:
    try:
        train_loop(0, TrainerConfig())
    except KeyboardInterrupt:
        print("interrupted")


if __name__ == "__main__":
    main()
