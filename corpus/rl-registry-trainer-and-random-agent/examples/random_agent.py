"""Drive the simulator with random actions: nothing is learned, nothing to save."""

import random

import embodied.tasks  # noqa: F401
from embodied.core.env import Env


def example():
    env = Env("Nav-v0")
    env.reset()
    while not env.episode_over:
        env.step(random.choice(["forward", "left", "right", "stop"]))
    print("episode finished after", env.steps, "steps")


if __name__ == "__main__":
    example()
