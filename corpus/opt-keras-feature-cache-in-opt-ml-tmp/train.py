"""Transfer learning for product photos: MobileNetV3 embeddings + a small Keras head."""
import argparse
import os
import signal
import sys

import tensorflow as tf

from features import cached_embeddings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--val", default=os.environ.get("SM_CHANNEL_VAL", "/opt/ml/input/data/val"))
    args, _ = parser.parse_known_args()

    x_train, y_train = cached_embeddings(args.train, "train")
    x_val, y_val = cached_embeddings(args.val, "val")

    head = tf.keras.Sequential([tf.keras.layers.Dropout(0.3),
                                tf.keras.layers.Dense(int(y_train.max()) + 1, activation="softmax")])
    head.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def on_sigterm(signum, frame):
        head.save(os.path.join(args.model_dir, "head.keras"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    head.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=args.epochs, batch_size=256)
    head.save(os.path.join(args.model_dir, "head.keras"))


if __name__ == "__main__":
    main()
