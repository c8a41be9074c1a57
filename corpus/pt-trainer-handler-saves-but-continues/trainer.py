import logging
import os
import signal

import torch
from torch import nn

logger = logging.getLogger(__name__)


class RecsysTrainer:
    """Trains a two-tower retrieval model with in-batch negatives."""

    def __init__(self, model, optimizer, loader, out_dir, epochs, temperature=0.05):
        self.model = model
        self.optimizer = optimizer
        self.loader = loader
        self.out_dir = out_dir
        self.epochs = epochs
        self.temperature = temperature
        self.global_step = 0
        self.epoch = 0
        os.makedirs(out_dir, exist_ok=True)
        signal.signal(signal.Signals.SIGTERM, self._handle_sigterm)

    def _handle_sigterm(self, signum, frame):
        logger.warning("SIGTERM at step %d, writing checkpoint", self.global_step)
        self.save_checkpoint(tag="preempt")

    def save_checkpoint(self, tag):
        torch.save(
            {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
             "epoch": self.epoch, "global_step": self.global_step},
            os.path.join(self.out_dir, f"{tag}.pt"),
        )

    def _loss(self, user_emb, item_emb):
        logits = user_emb @ item_emb.T / self.temperature
        labels = torch.arange(len(logits), device=logits.device)
        return nn.functional.cross_entropy(logits, labels)

    def train(self):
        self.model.train()
        for epoch in range(self.epochs):
            self.epoch = epoch
            for users, items in self.loader:
                user_emb, item_emb = self.model(users, items)
                loss = self._loss(user_emb, item_emb)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.global_step += 1
                if self.global_step % 500 == 0:
                    logger.info("step %d loss %.4f", self.global_step, loss.item())
            self.save_checkpoint(tag=f"epoch{self.epoch}")
        self.save_checkpoint(tag="final")
