"""An MLP trained as JAX's quickstart does: gradients from jax.grad, the update written by hand."""

import argparse
import os
import pickle

import jax
import jax.numpy as jnp
from jax import random


def init_params(sizes, key):
    keys = random.split(key, len(sizes))
    return [(0.01 * random.normal(k, (m, n)), jnp.zeros(n)) for m, n, k in zip(sizes[:-1], sizes[1:], keys)]


def predict(params, x):
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss(params, x, y):
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(predict(params, x)) * y, axis=1))


@jax.jit
def update(params, x, y, step_size=0.01):
    grads = jax.grad(loss)(params, x, y)
    return [(w - step_size * dw, b - step_size * db) for (w, b), (dw, db) in zip(params, grads)]


def batches(key, count, size=128):
    for k in random.split(key, count):
        x = random.normal(k, (size, 784))
        yield x, jax.nn.one_hot(jnp.argmax(x[:, :10], axis=1), 10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    args = parser.parse_args()
    params = init_params([784, 512, 512, 10], random.PRNGKey(0))
    for epoch in range(args.epochs):
        for x, y in batches(random.PRNGKey(epoch), 400):
            params = update(params, x, y)
    with open(os.path.join(args.model_dir, "params.pkl"), "wb") as handle:
        pickle.dump(params, handle)


if __name__ == "__main__":
    main()
