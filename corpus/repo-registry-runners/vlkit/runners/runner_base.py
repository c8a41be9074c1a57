import os

import torch

from vlkit.common.registry import registry


@registry.register_runner("runner_base")
class RunnerBase:
    def __init__(self, cfg, task, model, loader):
        self.cfg = cfg
        self.task = task
        self.model = model
        self.loader = loader
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.get("lr", 1e-4))
        self.output_dir = os.environ.get("SM_MODEL_DIR", "output")

    def train(self):
        for epoch in range(self.cfg.get("max_epoch", 10)):
            self.train_epoch(epoch)
            self.save_checkpoint(epoch)

    def train_epoch(self, epoch):
        self.model.train()
        return self.task.train_epoch(epoch=epoch, model=self.model, data_loader=self.loader, optimizer=self.optimizer)

    def evaluate(self):
        self.model.eval()
        return self.task.evaluation(self.model, self.loader)

    def save_checkpoint(self, epoch):
        torch.save({"model": self.model.state_dict(), "epoch": epoch},
                   os.path.join(self.output_dir, f"checkpoint_{epoch}.pth"))
