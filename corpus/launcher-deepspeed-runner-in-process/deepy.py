#!/usr/bin/env python
"""Start training the way gpt-neox's deepy.py does: read the YAML configs, then run deepspeed's
launcher in this process on the trainer beside this file.

    python deepy.py configs/small.yml
"""

import os
import sys

import deepspeed.launcher.runner
import yaml

TRAINER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train.py")


def gpus(config_files):
    config = {}
    for path in config_files:
        with open(path) as f:
            config.update(yaml.safe_load(f))
    return config.get("num_gpus", 8)


def main():
    config_files = sys.argv[1:]
    os.environ.setdefault("NCCL_ASYNC_ERROR_HANDLING", "1")
    deepspeed.launcher.runner.main(["--num_gpus", str(gpus(config_files)), TRAINER, "--config", ",".join(config_files)])


if __name__ == "__main__":
    main()
