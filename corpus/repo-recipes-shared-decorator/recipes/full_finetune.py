"""Full fine-tuning on one device."""

import os

import sys

import torch

from tunekit import config


class FullFinetuneRecipe:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = torch.load(cfg["model"])
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg["lr"])
        self.loader = torch.utils.data.DataLoader(torch.load(cfg["data"]), batch_size=cfg["batch_size"])

    def train(self):
        for epoch in range(self.cfg["epochs"]):
            for batch in self.loader:
                loss = self.model(**batch).loss
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
            torch.save(self.model.state_dict(), os.path.join(self.cfg["output_dir"], f"epoch_{epoch}.pt"))


@config.parse
def recipe_main(cfg):
    FullFinetuneRecipe(cfg).train()


if __name__ == "__main__":
    sys.exit(recipe_main())
