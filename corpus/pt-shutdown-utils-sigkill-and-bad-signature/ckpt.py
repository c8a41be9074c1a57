import os

import torch


class CheckpointManager:
    def __init__(self, root, model, optimizer, scheduler):
        self.root = root
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.step = 0
        os.makedirs(root, exist_ok=True)

    def save(self, tag="last"):
        path = os.path.join(self.root, f"{tag}.pt")
        torch.save({
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
        }, path + ".tmp")
        os.replace(path + ".tmp", path)

    def restore(self):
        path = os.path.join(self.root, "last.pt")
        if os.path.exists(path):
            state = torch.load(path, map_location="cpu")
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.step = state["step"]
        return self.step
