"""Evaluates a checkpoint with the same runner: test() trains nothing."""

import argparse

from mmengine.config import Config
from mmengine.runner import Runner

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    cfg.load_from = args.checkpoint
    Runner.from_cfg(cfg).test()
