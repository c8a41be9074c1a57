"""A TensorFlow Estimator's SessionRunHook that asks the loop to stop when the SIGTERM handler's
flag is set (DeepLearningExamples' TrainingPartitionHook): `run_context.request_stop()` in
after_run ends the training after the step, and the Estimator's CheckpointSaverHook saves a last
checkpoint in its end(). The handler saves and stops through the library."""

from __future__ import annotations

_MAIN = """
import tensorflow as tf

from hooks import PartitionHook


def model_fn(features, labels, mode, params):
    loss = tf.compat.v1.losses.mean_squared_error(labels, tf.compat.v1.layers.dense(features, 1))
    train_op = tf.compat.v1.train.AdamOptimizer().minimize(loss, global_step=tf.compat.v1.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


if __name__ == "__main__":
    config = tf.estimator.RunConfig(model_dir="/results", save_checkpoints_steps=1000)
    estimator = tf.estimator.Estimator(model_fn=model_fn, config=config)
    estimator.train(input_fn=input_fn, steps=100000, hooks=[PartitionHook()])
"""

_HOOK = """
import signal

import tensorflow as tf


class PartitionHook(tf.estimator.SessionRunHook):
    def __init__(self):
        self.signal_received = False
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def after_run(self, run_context, run_values):
        if self.signal_received:
            {response}

    def _on_sigterm(self, signum, frame):
        self.signal_received = True
"""


def test_a_hook_that_asks_the_estimator_to_stop_saves_through_it(run_sigcheck):
    files = {"train.py": _MAIN, "hooks.py": _HOOK.format(response="run_context.request_stop()")}
    assert run_sigcheck(files, ["train.py"], select=("SIG002", "SIG004")).diagnostics == []


def test_a_hook_that_only_logs_the_flag_neither_stops_nor_saves(run_sigcheck):
    files = {"train.py": _MAIN, "hooks.py": _HOOK.format(response='print("stopping")')}
    found = run_sigcheck(files, ["train.py"], select=("SIG002", "SIG004")).diagnostics
    assert sorted(d.code for d in found) == ["SIG002", "SIG004"]
