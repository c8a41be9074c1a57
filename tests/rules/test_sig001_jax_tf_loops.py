"""Training that Flax NNX's optimizer and TensorFlow Model Garden's orbit run (flax's examples, the
official vision trainer; triage BC)."""

from __future__ import annotations

import pytest

NNX = """
import jax.numpy as jnp
import optax
from flax import nnx

model = nnx.Linear(1, 1, rngs=nnx.Rngs(0))
optimizer = nnx.Optimizer(model, optax.sgd(1e-3), wrt=nnx.Param)


@nnx.jit
def train_step(model, optimizer, x, y):
    def loss_fn(model):
        return jnp.mean((y - model(x)) ** 2)

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    UPDATE
    return loss


for step in range(10_000):
    train_step(model, optimizer, jnp.ones((8, 1)), jnp.ones((8, 1)))
"""

ORBIT = """
import orbit
import tensorflow as tf


class Trainer(orbit.StandardTrainer):
    def train_step(self, iterator):
        pass


trainer = Trainer(tf.data.Dataset.range(10))
controller = orbit.Controller(trainer=trainer, global_step=trainer.global_step, steps_per_loop=100)
controller.CALL(train_steps=100_000)
"""


@pytest.mark.parametrize("update", ["optimizer.update(model, grads)", "optimizer.update(grads)"])
def test_a_flax_nnx_optimizer_update_is_a_step(run_sigcheck, update):
    report = run_sigcheck({"train.py": NNX.replace("UPDATE", update)})
    assert [d.code for d in report.diagnostics] == ["SIG001"]


def test_an_nnx_loop_that_only_evaluates_is_no_training(run_sigcheck):
    report = run_sigcheck({"train.py": NNX.replace("UPDATE", "print(grads)")})
    assert [d.code for d in report.diagnostics] == []


@pytest.mark.parametrize("call", ["train", "train_and_evaluate"])
def test_orbit_controllers_training_is_a_fit(run_sigcheck, call):
    report = run_sigcheck({"train.py": ORBIT.replace("CALL", call)})
    assert [d.code for d in report.diagnostics] == ["SIG001"]


def test_orbit_controllers_evaluation_is_not(run_sigcheck):
    report = run_sigcheck({"train.py": ORBIT.replace("CALL", "evaluate")})
    assert [d.code for d in report.diagnostics] == []


VAE = """
import numpy as np
import torch
from PIL import Image


def save_image(array, path):
    SAVE


model = torch.nn.Linear(4, 4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(100):
    for _ in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()
    save_image(np.zeros((8, 8)), f"sample_{epoch}.png")
"""


@pytest.mark.parametrize("save, loses", [
    ("Image.fromarray(np.asarray(array * 255, dtype=np.uint8)).save(path)", "all the training is lost: nothing in the run saves it"),
    ("im = Image.new('L', (8, 8))\n    im.save(path)", "all the training is lost: nothing in the run saves it"),
    ("torch.save(model.state_dict(), path)", "everything since the last save is lost"),
], ids=["a picture saved", "a new image saved", "the model saved"])
def test_a_picture_saved_is_no_checkpoint(run_sigcheck, save, loses):
    """flax's VAE example writes sample pictures with PIL each epoch (triage BC)."""
    (finding,) = run_sigcheck({"train.py": VAE.replace("SAVE", save)}).diagnostics
    assert finding.code == "SIG001" and finding.message.endswith(loses), finding.message


PREEMPTION = """
import tensorflow as tf

strategy = tf.distribute.MultiWorkerMirroredStrategy()
with strategy.scope():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD()
manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model, optimizer=optimizer), "/tmp/ckpt", max_to_keep=1)
handler = tf.distribute.experimental.PreemptionCheckpointHandler(strategy.cluster_resolver, manager)


@tf.function
def train_step(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(x))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss


x = tf.ones((8, 4))
for step in range(100000):
    STEP
"""


@pytest.mark.parametrize("step, codes", [
    ("strategy.run(train_step, args=(x,))", ["SIG001"]),
    ("handler.run(strategy.run, train_step, args=(x,))", []),
], ids=["built, never run: its handler only records the signal", "the steps run through it"])
def test_a_preemption_checkpoint_handler_works_only_where_the_loop_runs_it(run_sigcheck, step, codes):
    """TensorFlow's PreemptionCheckpointHandler saves and exits only at a step it runs (triage BC)."""
    report = run_sigcheck({"train.py": PREEMPTION.replace("STEP", step)})
    assert [d.code for d in report.diagnostics] == codes
    if codes:
        assert "(the PreemptionCheckpointHandler it makes handles it only through calls the run never makes)" in \
            report.diagnostics[0].message


_FLAX_OPTIM = '"""Pre-optax Flax (flax.optim, flax<0.6): Optimizer.apply_gradient is the update step."""\nimport flax\nimport jax\nimport jax.numpy as jnp\n\n\ndef loss_fn(params, batch):\n  return jnp.mean((batch[\'x\'] @ params[\'w\'] - batch[\'y\']) ** 2)\n\n\n@jax.jit\ndef train_step(optimizer, batch):\n  grad = jax.grad(loss_fn)(optimizer.target, batch)\n  return optimizer.apply_gradient(grad, learning_rate=0.1)\n\n\ndef main():\n  params = {\'w\': jnp.zeros((4, 1))}\n  optimizer = flax.optim.Momentum(beta=0.9).create(params)\n  batch = {\'x\': jnp.ones((8, 4)), \'y\': jnp.ones((8, 1))}\n  for step in range(100000):\n    optimizer = train_step(optimizer, batch)\n\n\nif __name__ == \'__main__\':\n  main()\n'


def test_the_old_flax_optim_apply_gradient_is_a_step(run_sigcheck):
    """scenic's mbt and vid2seq trainers update with flax.optim's `optimizer.apply_gradient(grad)`,
    before optax (triage CB)."""
    (finding,) = run_sigcheck({"train.py": _FLAX_OPTIM}, select=("SIG001",)).diagnostics
    assert finding.line == 21
