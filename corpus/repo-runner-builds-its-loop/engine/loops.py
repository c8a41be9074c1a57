"""Loops a runner builds from its configuration."""

import torch


class BaseLoop:
    def __init__(self, runner, dataloader):
        self.runner = runner
        self.dataloader = dataloader

    def run(self):
        raise NotImplementedError


class EpochLoop(BaseLoop):
    def __init__(self, runner, dataloader, max_epochs=10):
        super().__init__(runner, dataloader)
        self.max_epochs = max_epochs
        self.epoch = 0

    def run(self):
        while self.epoch < self.max_epochs:
            for batch in self.dataloader:
                self.runner.model.train_step(batch, self.runner.optimizer)
            self.epoch += 1
            if self.epoch % 5 == 0:
                torch.save(self.runner.model.state_dict(), f"{self.runner.work_dir}/epoch_{self.epoch}.pth")
        return self.runner.model


class IterLoop(BaseLoop):
    def __init__(self, runner, dataloader, max_iters=1000):
        super().__init__(runner, dataloader)
        self.max_iters = max_iters

    def run(self):
        for step, batch in zip(range(self.max_iters), self.dataloader):
            self.runner.model.train_step(batch, self.runner.optimizer)
        return self.runner.model
