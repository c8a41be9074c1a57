"""The iteration loop and the two ways of running one step."""

import torch

__all__ = ["TrainerBase", "SimpleTrainer", "AMPTrainer"]


class TrainerBase:
    def __init__(self):
        self.iter = 0

    def train(self, start_iter, max_iter):
        for self.iter in range(start_iter, max_iter):
            self.run_step()

    def run_step(self):
        raise NotImplementedError


class SimpleTrainer(TrainerBase):
    def __init__(self, model, data_loader, optimizer):
        super().__init__()
        self.model, self.data_loader, self.optimizer = model, data_loader, optimizer
        self._data = iter(data_loader)

    def run_step(self):
        losses = sum(self.model(next(self._data)).values())
        self.optimizer.zero_grad()
        losses.backward()
        self.optimizer.step()


class AMPTrainer(SimpleTrainer):
    def __init__(self, model, data_loader, optimizer):
        super().__init__(model, data_loader, optimizer)
        self.scaler = torch.cuda.amp.GradScaler()

    def run_step(self):
        with torch.autocast("cuda"):
            losses = sum(self.model(next(self._data)).values())
        self.optimizer.zero_grad()
        self.scaler.scale(losses).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
