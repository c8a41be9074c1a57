import logging
import os
import signal

import torch
import torch.nn.functional as F

logger = logging.getLogger(__name__)


class Trainer:
    def __init__(self, model, optimizer, train_loader, val_loader, cfg, device="cuda"):
        self.model = model.to(device)
        self.optimizer = optimizer
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.cfg = cfg
        self.device = device
        self.start_epoch = 0
        self.global_step = 0
        self._stop_requested = False
        self.best_acc = 0.0

    # ----------------------------------------------------------------- signals
    def _request_stop(self, signum, frame):
        # Runs between two bytecodes of the main thread: only flip the flag here.
        self._stop_requested = True

    # ------------------------------------------------------------- checkpoints
    def save_checkpoint(self, epoch, tag):
        os.makedirs(self.cfg.ckpt_dir, exist_ok=True)
        torch.save(
            {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "epoch": epoch,
                "global_step": self.global_step,
                "best_acc": self.best_acc,
            },
            os.path.join(self.cfg.ckpt_dir, f"{tag}.pt"),
        )

    def maybe_resume(self):
        path = os.path.join(self.cfg.ckpt_dir, "last.pt")
        if os.path.exists(path):
            state = torch.load(path, map_location=self.device)
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.start_epoch = state["epoch"]
            self.global_step = state["global_step"]
            self.best_acc = state["best_acc"]

    # ---------------------------------------------------------------- training
    def _train_epoch(self, epoch):
        self.model.train()
        for x, y in self.train_loader:
            if self._stop_requested:
                logger.info("stop requested at step %d, checkpointing", self.global_step)
                self.save_checkpoint(epoch, tag="last")
                return
            x, y = x.to(self.device), y.to(self.device)
            loss = F.cross_entropy(self.model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.global_step += 1

    @torch.no_grad()
    def _evaluate(self):
        self.model.eval()
        correct = total = 0
        for x, y in self.val_loader:
            if self._stop_requested:
                break
            x, y = x.to(self.device), y.to(self.device)
            correct += (self.model(x).argmax(dim=1) == y).sum().item()
            total += y.numel()
        return correct / max(total, 1)

    def fit(self):
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        self.maybe_resume()

        for epoch in range(self.start_epoch, self.cfg.epochs):
            self._train_epoch(epoch)
            if self._stop_requested:
                return False
            acc = self._evaluate()
            logger.info("epoch %d val_acc %.4f", epoch, acc)
            if acc > self.best_acc:
                self.best_acc = acc
                self.save_checkpoint(epoch + 1, tag="best")
            self.save_checkpoint(epoch + 1, tag="last")
        return True
