"""Custom TensorFlow training loop for a text classifier, resumable through CheckpointManager.

    python train.py --config configs/base.json
"""

import argparse
import json
import logging
import sys

import tensorflow as tf

from data import load_datasets
from models import build_classifier
from trainer import CustomTrainer

log = logging.getLogger("train")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/base.json")
    parser.add_argument("--ckpt-dir", default="checkpoints")
    parser.add_argument("--epochs", type=int, default=None)
    return parser.parse_args()


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with open(args.config) as handle:
        config = json.load(handle)
    epochs = args.epochs or config["epochs"]

    tf.random.set_seed(config.get("seed", 0))
    train_ds, val_ds, vocab_size = load_datasets(config["data_dir"], config["batch_size"], config["seq_len"])
    model = build_classifier(vocab_size, config["embed_dim"], config["num_classes"])
    optimizer = tf.keras.optimizers.AdamW(learning_rate=config["lr"], weight_decay=config["weight_decay"])

    trainer = CustomTrainer(model, optimizer, args.ckpt_dir, keep=config.get("keep_checkpoints", 3))
    trainer.install_signal_handlers()
    trainer.restore_latest()

    finished = trainer.run(train_ds, val_ds, epochs)
    if not finished:
        log.warning("stopped early on request; resume from %s", args.ckpt_dir)
        sys.exit(0)
    model.save_weights(f"{args.ckpt_dir}/final.weights.h5")
    log.info("training complete")


if __name__ == "__main__":
    main()
