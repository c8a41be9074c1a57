import argparse
import os

import jax
import jax.numpy as jnp

from sgdlab.trainer import Trainer, mse, save


def batches(key, size=64):
    while True:
        key, sub = jax.random.split(key)
        x = jax.random.normal(sub, (size, 8))
        yield x, x.sum(axis=1, keepdims=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    args = parser.parse_args()
    params = {"w": jnp.zeros((8, 1)), "b": jnp.zeros((1,))}
    trainer = Trainer(mse)
    data = batches(jax.random.PRNGKey(0))
    for step in range(args.steps):
        params, loss = trainer.one_step(params, next(data))
        if step % 10_000 == 0:
            save(params, os.path.join(args.model_dir, "params.pkl"))
    save(params, os.path.join(args.model_dir, "params.pkl"))


if __name__ == "__main__":
    main()
