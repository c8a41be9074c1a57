"""Collects random-policy rollouts of CartPole into an .npz file for offline RL experiments."""

import argparse

import gymnasium as gym
import numpy as np


def collect(env_id: str, steps: int, seed: int):
    env = gym.make(env_id)
    obs, _ = env.reset(seed=seed)
    observations, actions, rewards = [], [], []
    for _ in range(steps):
        action = env.action_space.sample()
        next_obs, reward, terminated, truncated, _ = env.step(action)
        observations.append(obs)
        actions.append(action)
        rewards.append(reward)
        obs = next_obs
        if terminated or truncated:
            obs, _ = env.reset()
    env.close()
    return np.array(observations), np.array(actions), np.array(rewards)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--out", default="rollouts.npz")
    args = parser.parse_args()
    observations, actions, rewards = collect(args.env, args.steps, seed=0)
    np.savez(args.out, observations=observations, actions=actions, rewards=rewards)


if __name__ == "__main__":
    main()
