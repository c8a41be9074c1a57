import argparse
import os
import signal

import torch

from domainbed import algorithms
from domainbed.datasets import domain_loaders

stop_requested = False


def request_stop(signum, frame):
    global stop_requested
    stop_requested = True


def save_checkpoint(algorithm, output_dir, step):
    torch.save({"step": step, "model": algorithm.state_dict()}, os.path.join(output_dir, "model.pkl"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--output_dir", default=os.environ.get("SM_MODEL_DIR", "train_output"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, request_stop)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    algorithm = algorithms.IRM(num_classes=7).to(device)
    train_minibatches_iterator = zip(*domain_loaders("train"))
    for step in range(args.steps):
        minibatches_device = [(x.to(device), y.to(device)) for x, y in next(train_minibatches_iterator)]
        algorithm.update(minibatches_device)
        if stop_requested:
            save_checkpoint(algorithm, args.output_dir, step)
            break
        if step % 300 == 0:
            save_checkpoint(algorithm, args.output_dir, step)
