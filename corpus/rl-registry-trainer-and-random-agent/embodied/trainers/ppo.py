import os

import torch

from embodied.core.env import Env
from embodied.core.registry import registry


@registry.register_trainer(name="ppo")
class PPOTrainer:
    def __init__(self, config):
        self.config = config
        self.env = Env(config["task"])
        self.policy = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.Tanh(), torch.nn.Linear(64, 4))
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=3e-4)

    def train(self):
        observations = self.env.reset()
        for update in range(self.config["num_updates"]):
            position = torch.tensor(observations["position"]).float()
            logits = self.policy(position)
            action = torch.distributions.Categorical(logits=logits).sample()
            observations = self.env.step(int(action))
            loss = -logits[action]
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if update % 10_000 == 0:
                torch.save(self.policy.state_dict(), os.path.join(self.config["checkpoint_dir"], f"ckpt.{update}.pth"))
            if self.env.episode_over:
                observations = self.env.reset()
