"""REINFORCE on CartPole: one episode per update, the policy saved every 100 episodes."""

import os

import gymnasium as gym
import torch
from torch import nn

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "model")


class Policy(nn.Module):
    def __init__(self, observations: int, actions: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(observations, 64), nn.Tanh(), nn.Linear(64, actions))

    def forward(self, obs):
        return torch.distributions.Categorical(logits=self.net(obs))


def run_episode(env, policy):
    obs, _ = env.reset()
    log_probs, rewards = [], []
    done = False
    while not done:
        dist = policy(torch.as_tensor(obs, dtype=torch.float32))
        action = dist.sample()
        obs, reward, terminated, truncated, _ = env.step(action.item())
        log_probs.append(dist.log_prob(action))
        rewards.append(reward)
        done = terminated or truncated
    return torch.stack(log_probs), torch.tensor(rewards)


def main():
    env = gym.make("CartPole-v1")
    policy = Policy(env.observation_space.shape[0], env.action_space.n)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    for episode in range(2_000):
        log_probs, rewards = run_episode(env, policy)
        returns = torch.flip(torch.cumsum(torch.flip(rewards, [0]), 0), [0])
        loss = -(log_probs * (returns - returns.mean())).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if episode % 100 == 0:
            torch.save(policy.state_dict(), os.path.join(MODEL_DIR, "policy.pt"))
    torch.save(policy.state_dict(), os.path.join(MODEL_DIR, "policy.pt"))


if __name__ == "__main__":
    main()
