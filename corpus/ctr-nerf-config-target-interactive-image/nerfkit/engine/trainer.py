"""The trainer: steps the field's optimizer and writes a checkpoint every `steps_per_save`."""

import os
from dataclasses import dataclass, field
from typing import Type

import torch

from nerfkit.configs.base_config import InstantiateConfig, MachineConfig


@dataclass
class TrainerConfig(InstantiateConfig):
    _target: Type = field(default_factory=lambda: Trainer)
    machine: MachineConfig = field(default_factory=MachineConfig)
    max_num_iterations: int = 30_000
    steps_per_save: int = 2_000
    output_dir: str = "outputs"


class Trainer:
    def __init__(self, config: TrainerConfig, local_rank: int = 0):
        self.config = config
        self.local_rank = local_rank
        self.field = torch.nn.Sequential(torch.nn.Linear(3, 64), torch.nn.ReLU(), torch.nn.Linear(64, 4))
        self.optimizer = torch.optim.Adam(self.field.parameters(), lr=1e-3)

    def train_iteration(self, step: int) -> float:
        rays = torch.rand(4096, 3)
        loss = self.field(rays).square().mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def save_checkpoint(self, step: int) -> None:
        os.makedirs(self.config.output_dir, exist_ok=True)
        torch.save({"step": step, "field": self.field.state_dict()},
                   os.path.join(self.config.output_dir, f"step-{step:09d}.ckpt"))

    def train(self) -> None:
        for step in range(self.config.max_num_iterations):
            self.train_iteration(step)
            if step % self.config.steps_per_save == 0:
                self.save_checkpoint(step)
        self.save_checkpoint(self.config.max_num_iterations)
