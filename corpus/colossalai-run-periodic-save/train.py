"""Fine-tune a mixture-of-experts model with ColossalAI's booster (the shape of
ColossalAI's applications/ColossalMoE/train.py)."""
import argparse
import os

import colossalai
import torch
from colossalai.booster import Booster
from colossalai.booster.plugin import MoeHybridParallelPlugin


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output_path", default="./outputs")
    parser.add_argument("--num_epoch", type=int, default=1)
    parser.add_argument("--save_interval", type=int, default=1000)
    return parser.parse_args()


def save_checkpoint(booster, model, optimizer, path, step):
    booster.save_model(model, os.path.join(path, f"step-{step}", "model"), shard=True)
    booster.save_optimizer(optimizer, os.path.join(path, f"step-{step}", "optimizer"), shard=True)


def main():
    args = parse_args()
    colossalai.launch_from_torch(seed=42)
    plugin = MoeHybridParallelPlugin(tp_size=1, pp_size=1, ep_size=8)
    booster = Booster(plugin=plugin)
    model = torch.nn.Linear(1024, 1024)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    model, optimizer, _, loader, _ = booster.boost(model, optimizer, dataloader=build_loader())
    step = 0
    for epoch in range(args.num_epoch):
        for batch in loader:
            loss = model(batch).mean()
            booster.backward(loss, optimizer)
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if step % args.save_interval == 0:
                save_checkpoint(booster, model, optimizer, args.output_path, step)
    save_checkpoint(booster, model, optimizer, args.output_path, step)


def build_loader():
    return [torch.randn(4, 1024) for _ in range(100)]


if __name__ == "__main__":
    main()
