"""The trainer most tools use: a config in, an iteration loop over the data."""

import torch
import yaml

__all__ = ["DefaultTrainer", "build_model", "build_loader"]


def build_model(cfg):
    return torch.nn.Conv2d(3, cfg.get("classes", 21), kernel_size=1)


def build_loader(cfg):
    images = torch.randn(cfg.get("samples", 64), 3, 32, 32)
    masks = torch.randint(0, cfg.get("classes", 21), (cfg.get("samples", 64), 32, 32))
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, masks), batch_size=8)


class DefaultTrainer:
    def __init__(self, config_path):
        with open(config_path) as handle:
            self.cfg = yaml.safe_load(handle)
        self.model = build_model(self.cfg)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=self.cfg.get("lr", 0.01))

    def train(self):
        for epoch in range(self.cfg.get("epochs", 10)):
            for images, masks in build_loader(self.cfg):
                loss = torch.nn.functional.cross_entropy(self.model(images), masks)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
        torch.save(self.model.state_dict(), self.cfg.get("output", "model_final.pt"))
