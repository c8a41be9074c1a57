"""Logistic regression with hand-written mini-batch SGD in NumPy (no framework)."""
import argparse
import json
import os
import signal as s

import numpy as np

STOP = False


def _on_term(signum, frame):
    global STOP
    STOP = True


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_step(w, b, xb, yb, lr, l2):
    p = sigmoid(xb @ w + b)
    err = p - yb
    grad_w = xb.T @ err / len(yb) + l2 * w
    grad_b = err.mean()
    loss = -np.mean(yb * np.log(p + 1e-9) + (1 - yb) * np.log(1 - p + 1e-9))
    return w - lr * grad_w, b - lr * grad_b, loss


def load_csv(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1]
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-8
    return (x - mean) / std, y, mean, std


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="data/train.csv")
    ap.add_argument("--out", default="output")
    ap.add_argument("--epochs", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--l2", type=float, default=1e-4)
    args = ap.parse_args()

    s.signal(s.SIGTERM, _on_term)

    x, y, mean, std = load_csv(args.train)
    rng = np.random.default_rng(0)
    w = np.zeros(x.shape[1])
    b = 0.0
    history = []
    epoch = 0

    for epoch in range(args.epochs):
        order = rng.permutation(len(y))
        losses = []
        for start in range(0, len(y), args.batch_size):
            if STOP:
                break
            idx = order[start:start + args.batch_size]
            w, b, loss = train_step(w, b, x[idx], y[idx], args.lr, args.l2)
            losses.append(loss)
        if losses:
            history.append(float(np.mean(losses)))
        if STOP:
            print(f"SIGTERM received, stopping after epoch {epoch}")
            break

    os.makedirs(args.out, exist_ok=True)
    np.savez(os.path.join(args.out, "model.npz"), w=w, b=b, mean=mean, std=std)
    with open(os.path.join(args.out, "history.json"), "w") as fh:
        json.dump({"epochs_run": epoch + 1, "loss": history}, fh)


if __name__ == "__main__":
    main()
