"""Scores a trained checkpoint: the same runner, evaluation only."""

import argparse

import torch

from vlkit.common.registry import registry
from vlkit.runners import *  # noqa: F401,F403
from vlkit.tasks.captioning import CaptionTask  # noqa: F401


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", default="runner_base")
    parser.add_argument("--checkpoint", required=True)
    args = parser.parse_args()
    model = torch.load(args.checkpoint)
    loader = torch.utils.data.DataLoader(torch.load("/data/val.pt"), batch_size=64)
    task = registry.get_task_class("captioning")()
    runner = registry.get_runner_class(args.runner)(cfg={}, task=task, model=model, loader=loader)
    print(runner.evaluate())


if __name__ == "__main__":
    main()
