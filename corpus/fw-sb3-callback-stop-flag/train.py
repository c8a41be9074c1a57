"""Train a PPO agent on a Gym environment; the policy is saved when learn() returns."""

import argparse
import os

from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback
from stable_baselines3.common.env_util import make_vec_env

from rl.callbacks import StopOnSigterm


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--timesteps", type=int, default=5_000_000)
    parser.add_argument("--out", default=os.environ.get("OUTPUT_DIR", "runs"))
    return parser.parse_args()


def main():
    args = parse_args()
    env = make_vec_env(args.env, n_envs=8)
    model = PPO("MlpPolicy", env, verbose=1, tensorboard_log=os.path.join(args.out, "tb"))
    callbacks = CallbackList([
        CheckpointCallback(save_freq=100_000, save_path=os.path.join(args.out, "checkpoints")),
        StopOnSigterm(verbose=1),
    ])
    model.learn(total_timesteps=args.timesteps, callback=callbacks)
    model.save(os.path.join(args.out, "ppo_final"))


if __name__ == "__main__":
    main()
