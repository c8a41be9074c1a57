"""Train the trainer the configuration names: python run.py ppo"""

import sys

import embodied.tasks  # noqa: F401
import embodied.trainers  # noqa: F401
from embodied.core.registry import registry


def main(trainer_name):
    config = {"task": "Nav-v0", "num_updates": 10_000_000, "checkpoint_dir": "checkpoints"}
    trainer_init = registry.get_trainer(trainer_name)
    assert trainer_init is not None, f"{trainer_name} is not registered"
    trainer_init(config).train()


if __name__ == "__main__":
    main(sys.argv[1])
