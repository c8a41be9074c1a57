import logging

import tensorflow as tf

log = logging.getLogger(__name__)


def make_manager(model, optimizer, step, ckpt_dir, keep=5):
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step)
    manager = tf.train.CheckpointManager(ckpt, ckpt_dir, max_to_keep=keep)
    if manager.latest_checkpoint:
        ckpt.restore(manager.latest_checkpoint).expect_partial()
        log.info("resumed from %s at step %d", manager.latest_checkpoint, int(step))
    return manager
