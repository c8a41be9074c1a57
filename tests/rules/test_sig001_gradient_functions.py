"""SIG001 and gradients taken through a function made elsewhere: trax binds
`jax.value_and_grad(loss)` once, on an object or as an argument, and calls it in the step
(triage DH); TensorFlow's tape gradients applied by hand with `assign_sub`. A gradient function
whose gradients nothing uses trains nothing."""

from __future__ import annotations

import pytest

JAX = """
import jax
import jax.numpy as jnp


def loss_fn(params, x):
    return jnp.sum((x @ params["w"]) ** 2)


{made}


def main():
    params = {{"w": jnp.ones((4, 4))}}
    for step in range(1000000):
        params = train_step(params, jnp.ones((2, 4)), 0.01)


if __name__ == "__main__":
    main()
"""

MADE = {
    "a module constant": """
GRAD_FN = jax.value_and_grad(loss_fn)


def train_step(params, x, lr):
    loss, grads = GRAD_FN(params, x)
    return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
""",
    "an argument": """
def make_step(grad_fn):
    def step(params, x, lr):
        loss, grads = grad_fn(params, x)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
    return step


train_step = make_step(jax.value_and_grad(loss_fn))
""",
    "an attribute": """
class Trainer:
    def __init__(self):
        self._grad_fn = jax.value_and_grad(loss_fn)

    def __call__(self, params, x, lr):
        loss, grads = self._grad_fn(params, x)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)


train_step = Trainer()
""",
}


@pytest.mark.parametrize("made", MADE)
def test_a_gradient_function_made_elsewhere_takes_a_step_where_it_is_called(run_sigcheck, made):
    report = run_sigcheck({"train.py": JAX.format(made=MADE[made])}, ["train.py"], select=("SIG001",))
    assert [d.message.split(":")[0] for d in report.diagnostics] == ["Training loop runs with no SIGTERM handler"]


def test_a_gradient_function_whose_gradients_are_only_measured_trains_nothing(run_sigcheck):
    made = "GRAD_FN = jax.grad(loss_fn)\n\n\ndef train_step(params, x, lr):\n    print(GRAD_FN(params, x))\n    return params\n"
    assert run_sigcheck({"train.py": JAX.format(made=made)}, ["train.py"], select=("SIG001",)).diagnostics == []


TAPE = """
import tensorflow as tf


def main():
    w = tf.Variable(tf.ones([4, 1]))
    x = tf.ones([8, 4])
    for step in range(1000000):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
        grad = tape.gradient(loss, w)
        {use}


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("use, reported", [("w.assign_sub(1e-3 * grad)", True), ("print(tf.norm(grad))", False)])
def test_tape_gradients_applied_by_hand_are_a_step(run_sigcheck, use, reported):
    report = run_sigcheck({"train.py": TAPE.format(use=use)}, ["train.py"], select=("SIG001",))
    assert len(report.diagnostics) == (1 if reported else 0)
