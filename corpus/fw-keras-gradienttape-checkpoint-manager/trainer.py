"""A small custom training loop: GradientTape, apply_gradients, tf.train.CheckpointManager."""

import logging
import signal

import tensorflow as tf

log = logging.getLogger(__name__)


class CustomTrainer:
    def __init__(self, model, optimizer, ckpt_dir, keep=3):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.train_loss = tf.keras.metrics.Mean(name="train_loss")
        self.val_acc = tf.keras.metrics.SparseCategoricalAccuracy(name="val_acc")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=self.epoch)
        self.manager = tf.train.CheckpointManager(self.ckpt, ckpt_dir, max_to_keep=keep)
        self.stop_requested = False

    # -- stopping ---------------------------------------------------------------------

    def install_signal_handlers(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._request_stop)

    def _request_stop(self, signum, frame):
        # Only set a flag: the loop saves at the next batch boundary, outside tf.function.
        self.stop_requested = True

    # -- checkpoints ------------------------------------------------------------------

    def restore_latest(self):
        latest = self.manager.latest_checkpoint
        if latest:
            self.ckpt.restore(latest)
            log.info("restored %s (epoch %d)", latest, int(self.epoch))

    # -- training ---------------------------------------------------------------------

    @tf.function
    def train_step(self, tokens, labels):
        with tf.GradientTape() as tape:
            logits = self.model(tokens, training=True)
            loss = self.loss_fn(labels, logits)
        grads = tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
        return loss

    def evaluate(self, val_ds):
        self.val_acc.reset_state()
        for tokens, labels in val_ds:
            if self.stop_requested:
                break
            logits = self.model(tokens, training=False)
            self.val_acc.update_state(labels, logits)
        return float(self.val_acc.result())

    def run(self, train_ds, val_ds, epochs):
        """Train until `epochs`; returns False when a stop was requested (after saving)."""
        while int(self.epoch) < epochs:
            self.train_loss.reset_state()
            for tokens, labels in train_ds:
                loss = self.train_step(tokens, labels)
                self.train_loss.update_state(loss)
                if self.stop_requested:
                    break
            if self.stop_requested:
                path = self.manager.save()
                log.warning("stop requested mid-epoch %d: saved %s", int(self.epoch), path)
                return False
            acc = self.evaluate(val_ds)
            self.epoch.assign_add(1)
            path = self.manager.save()
            log.info("epoch %d loss %.4f val_acc %.4f -> %s", int(self.epoch), float(self.train_loss.result()), acc, path)
            if self.stop_requested:
                return False
        return True
