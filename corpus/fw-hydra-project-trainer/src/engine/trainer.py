"""The training loop; Hydra builds it from configs/trainer/*.yaml (nothing imports this module)."""

import logging
import os

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)


class SegmentationTrainer:
    def __init__(self, model, loader, max_epochs=80, log_every=50, output_dir="outputs"):
        self.model = model
        self.loader = loader
        self.max_epochs = max_epochs
        self.log_every = log_every
        self.output_dir = output_dir
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)

    def save(self, epoch):
        os.makedirs(self.output_dir, exist_ok=True)
        torch.save({"model": self.model.state_dict(), "epoch": epoch}, os.path.join(self.output_dir, "last.pt"))

    def train(self):
        for epoch in range(self.max_epochs):
            for step, (images, masks) in enumerate(self.loader):
                loss = F.cross_entropy(self.model(images), masks)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                if step % self.log_every == 0:
                    log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
            self.save(epoch)
