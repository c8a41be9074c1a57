"""SIG001 and JAX updates written by hand: a loop that calls a function which takes
`jax.grad(loss)(params, ...)` and returns the parameters moved against their gradients trains,
whether the update is a comprehension over `zip(params, grads)` (JAX's quickstart) or written
after unpacking both. A gradient taken for a measurement (a saliency map, a logged norm) trains
nothing."""

from __future__ import annotations

import pytest

LOOP = """
import jax
import jax.numpy as jnp


def loss(params, x, y):
    w, b = params
    return jnp.mean((x @ w + b - y) ** 2)


{update}


def train(data, params, epochs, lr):
    for epoch in range(epochs):
        for x, y in data:
            params = update(params, lr, x, y)
    return params


if __name__ == "__main__":
    train(batches, [jnp.zeros((3,)), jnp.zeros(())], 1000, 0.01)
"""

UPDATES = {
    "a comprehension over zip(params, grads)": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    return [p - lr * g for p, g in zip(params, grads)]
""",
    "both unpacked": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    w, b = params
    dw, db = grads
    return [w - lr * dw, b - lr * db]
""",
    "a step size written out (triage DH)": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    w, b = params
    dw, db = grads
    return [w - 1e-3 * dw, b - 1e-3 * db]
""",
    "in place (triage DH)": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    w, b = params
    dw, db = grads
    w -= lr * dw
    b -= 1e-3 * db
    return [w, b]
""",
    "value_and_grad's pair": """
def update(params, lr, x, y):
    value, grads = jax.value_and_grad(loss)(params, x, y)
    new = [p - lr * g for p, g in zip(params, grads)]
    return new
""",
}

MEASURES = {
    "a saliency map": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    return [p * g for p, g in zip(params, grads)]
""",
    "a logged norm": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    print(lr * jnp.linalg.norm(grads[0]))
    return params
""",
    "the step size and the gradients alone": """
def update(params, lr, x, y):
    grads = jax.grad(loss)(params, x, y)
    return [lr * g for g in grads]
""",
}


@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES.keys())
def test_a_loop_of_hand_written_jax_updates_trains(run_sigcheck, update):
    report = run_sigcheck({"train.py": LOOP.replace("{update}", update.strip())})
    assert [(d.code, d.source_line.strip()) for d in report.diagnostics] == [("SIG001", "for epoch in range(epochs):")]


@pytest.mark.parametrize("update", MEASURES.values(), ids=MEASURES.keys())
def test_a_loop_that_measures_jax_gradients_trains_nothing(run_sigcheck, update):
    assert run_sigcheck({"train.py": LOOP.replace("{update}", update.strip())}).diagnostics == []
