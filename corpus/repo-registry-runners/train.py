"""Trains the runner and task the configuration names (`--runner runner_iter`)."""

import argparse

import torch

from vlkit.common.registry import registry
from vlkit.runners import *  # noqa: F401,F403  (registers the runners)
from vlkit.tasks.captioning import CaptionTask  # noqa: F401  (registers the task)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", default="runner_base")
    parser.add_argument("--task", default="captioning")
    args = parser.parse_args()
    cfg = {"lr": 1e-4, "max_epoch": 3}
    task = registry.get_task_class(args.task)()
    model = torch.hub.load("facebookresearch/blip", "blip_base")
    loader = torch.utils.data.DataLoader(torch.load("/data/train.pt"), batch_size=32)
    runner = registry.get_runner_class(args.runner)(cfg=cfg, task=task, model=model, loader=loader)
    runner.train()


if __name__ == "__main__":
    main()
