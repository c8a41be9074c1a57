import os

import torch


class CheckpointOnExit:
    """Writes model and optimizer state when the block ends, however it ends."""

    def __init__(self, path, model, optimizer, scheduler=None):
        self.path = path
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.epoch = 0
        self.step = 0

    def update(self, epoch, step):
        self.epoch, self.step = epoch, step

    def restore(self):
        if not os.path.exists(self.path):
            return 0
        state = torch.load(self.path, map_location="cpu")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        return state["epoch"]

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        torch.save(
            {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict() if self.scheduler else None,
                "epoch": self.epoch,
                "step": self.step,
            },
            self.path,
        )
        return False
