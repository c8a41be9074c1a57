"""A trainer with the usual parts, built from a config."""

import torch

from .train_loop import AMPTrainer, SimpleTrainer, TrainerBase

__all__ = ["DefaultTrainer"]


class DefaultTrainer(TrainerBase):
    def __init__(self, cfg):
        super().__init__()
        model = torch.load(cfg["model"])
        loader = torch.utils.data.DataLoader(torch.load(cfg["data"]), batch_size=cfg["batch_size"])
        optimizer = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
        self._trainer = (AMPTrainer if cfg["amp"] else SimpleTrainer)(model, loader, optimizer)
        self.max_iter = cfg["max_iter"]

    def train(self):
        super().train(0, self.max_iter)

    def run_step(self):
        self._trainer.iter = self.iter
        self._trainer.run_step()
