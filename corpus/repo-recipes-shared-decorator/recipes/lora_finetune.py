"""LoRA fine-tuning: only the adapters train."""

import os

import sys

import torch

from tunekit import config


def train(cfg):
    model = torch.load(cfg["model"])
    adapters = [p for name, p in model.named_parameters() if "lora" in name]
    optimizer = torch.optim.AdamW(adapters, lr=cfg["lr"])
    loader = torch.utils.data.DataLoader(torch.load(cfg["data"]), batch_size=cfg["batch_size"])
    step = 0
    while step < cfg["max_steps"]:
        for batch in loader:
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step += 1
    torch.save({k: v for k, v in model.state_dict().items() if "lora" in k},
               os.path.join(cfg["output_dir"], "adapters.pt"))


@config.parse
def recipe_main(cfg):
    train(cfg)


if __name__ == "__main__":
    sys.exit(recipe_main())
