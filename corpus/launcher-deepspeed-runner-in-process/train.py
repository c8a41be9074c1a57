"""Pretrain a small language model with DeepSpeed; saves a checkpoint when told to stop."""

import argparse
import signal
import sys

import deepspeed
import torch

from model import TinyLM, batches

stopping = False


def request_stop(signum, frame):
    global stopping
    stopping = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--local_rank", type=int, default=-1)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, request_stop)
    engine, _, _, _ = deepspeed.initialize(model=TinyLM(), config="configs/ds_config.json")
    for step, (tokens, labels) in enumerate(batches()):
        loss = torch.nn.functional.cross_entropy(engine(tokens), labels)
        engine.backward(loss)
        engine.step()
        if stopping or step % 1000 == 0:
            engine.save_checkpoint("checkpoints", tag=f"step{step}")
        if stopping:
            sys.exit(0)


if __name__ == "__main__":
    main()
