"""The same PPO run, with a driver that passes the stop on: its SIGTERM handler asks both actors
to save before the deadline."""
import os
import signal
import sys

import ray

from rlhf.actors import CriticRole, PolicyRole
from rlhf.data import prompt_batches

PolicyActor = ray.remote(num_gpus=1)(PolicyRole)
CriticActor = ray.remote(num_gpus=1)(CriticRole)


def main():
    ray.init()
    policy = PolicyActor.remote("Qwen/Qwen2.5-0.5B", 1e-6)
    critic = CriticActor.remote("Qwen/Qwen2.5-0.5B", 9e-6)

    def save_and_exit(signum, frame):
        folder = os.environ.get("CHECKPOINT_DIR", "checkpoints")
        ray.get([policy.save_checkpoint.remote(f"{folder}/policy"), critic.save_checkpoint.remote(f"{folder}/critic")])
        sys.exit(0)

    signal.signal(signal.SIGTERM, save_and_exit)
    batches = prompt_batches()
    ray.get([policy.fit.remote(batches, 1), critic.fit.remote(batches, 1)])


if __name__ == "__main__":
    main()
