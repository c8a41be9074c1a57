"""PPO with the policy and the critic in Ray actors; the driver only orchestrates. It has no
SIGTERM handler, so a stop kills the driver and, with it, actors that never saved."""
import argparse

import ray

from rlhf.actors import CriticRole, PolicyRole
from rlhf.data import prompt_batches

PolicyActor = ray.remote(num_gpus=1)(PolicyRole)
CriticActor = ray.remote(num_gpus=1)(CriticRole)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pretrain", default="Qwen/Qwen2.5-0.5B")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()

    ray.init()
    policy = PolicyActor.remote(args.pretrain, 1e-6)
    critic = CriticActor.options(num_gpus=2).remote(args.pretrain, 9e-6)
    batches = prompt_batches()
    ray.get([policy.fit.remote(batches, args.epochs),
             critic.fit.remote(batches, args.epochs)])
    ray.get([policy.save_checkpoint.remote("out/policy"), critic.save_checkpoint.remote("out/critic")])


if __name__ == "__main__":
    main()
