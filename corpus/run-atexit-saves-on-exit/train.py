"""Linear regression (standard library only): the SIGTERM handler exits, and an atexit function
registered before training writes the last state to $SM_CHECKPOINT_DIR."""
import argparse
import atexit
import json
import os
import random
import signal
import sys
import time

import optim


STATE = {"step": 0, "w": 0.0, "b": 0.0}


def write_last_state():
    path = os.path.join(os.environ["SM_CHECKPOINT_DIR"], "state.json")
    with open(path, "w") as fh:
        json.dump(STATE, fh)


def on_sigterm(signum, frame):
    sys.exit(0)


class Loss:
    """A scalar that knows how to compute its gradients, standing in for a framework tensor."""

    def __init__(self, value, grad_fn):
        self.value = value
        self.grad_fn = grad_fn

    def backward(self):
        self.grad_fn()


def mse(params, batch):
    w, b = params["w"], params["b"]

    def grad_fn():
        for x, y in batch:
            err = w["value"] * x + b["value"] - y
            w["grad"] += 2 * err * x / len(batch)
            b["grad"] += 2 * err / len(batch)

    value = sum((w["value"] * x + b["value"] - y) ** 2 for x, y in batch) / len(batch)
    return Loss(value, grad_fn)


def batches(rng, steps, size=32):
    """The data loader: noisy samples of y = 3x + 1."""
    for _ in range(steps):
        xs = [rng.uniform(-1, 1) for _ in range(size)]
        yield [(x, 3.0 * x + 1.0 + rng.gauss(0, 0.1)) for x in xs]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--optimizer", choices=["SGD", "Momentum"], default="Momentum")
    args = parser.parse_args()

    atexit.register(write_last_state)
    signal.signal(signal.SIGTERM, on_sigterm)
    rng = random.Random(0)
    params = {"w": {"value": 0.0, "grad": 0.0}, "b": {"value": 0.0, "grad": 0.0}}
    optimizer = getattr(optim, args.optimizer)(params, args.lr)
    train_loader = batches(rng, args.steps)
    for step, batch in enumerate(train_loader):
        optimizer.zero_grad()
        loss = mse(params, batch)
        loss.backward()
        optimizer.step()
        time.sleep(0.05)  # the seconds a real step takes
        if step % 10 == 0:
            print(f"step {step} loss {loss.value:.4f}")
        STATE.update(step=step, w=params["w"]["value"], b=params["b"]["value"])


if __name__ == "__main__":
    main()
