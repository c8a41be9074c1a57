"""Tabular churn model in Keras, SageMaker TensorFlow container (script mode)."""
import argparse
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

# The toolkit always exports these inside a training job, e.g. SM_MODEL_DIR=/opt/ml/model
MODEL_DIR = Path(os.environ["SM_MODEL_DIR"])
TRAIN_DIR = Path(os.environ["SM_CHANNEL_TRAIN"])
OUTPUT_DATA_DIR = Path(os.environ["SM_OUTPUT_DATA_DIR"])


class SaveOnTerm(tf.keras.callbacks.Callback):
    """Stops fit() at the next batch once SIGTERM arrived."""

    def __init__(self):
        super().__init__()
        self.stop_requested = False

    def request_stop(self, signum, frame):
        self.stop_requested = True

    def on_train_batch_end(self, batch, logs=None):
        if self.stop_requested:
            self.model.stop_training = True


def load_frame(channel: Path) -> pd.DataFrame:
    parts = sorted(channel.glob("*.csv"))
    return pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)


def build_model(n_features: int, units: int) -> tf.keras.Model:
    inputs = tf.keras.Input(shape=(n_features,))
    x = tf.keras.layers.Dense(units, activation="relu")(inputs)
    x = tf.keras.layers.Dropout(0.2)(x)
    outputs = tf.keras.layers.Dense(1, activation="sigmoid")(x)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["AUC"])
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--units", type=int, default=128)
    args, _ = parser.parse_known_args()

    df = load_frame(TRAIN_DIR)
    y = df.pop("churn").to_numpy(dtype=np.float32)
    x = df.to_numpy(dtype=np.float32)

    stopper = SaveOnTerm()
    signal.signal(signal.SIGTERM, stopper.request_stop)

    model = build_model(x.shape[1], args.units)
    model.fit(x, y, epochs=args.epochs, batch_size=256, validation_split=0.1, callbacks=[stopper])

    export_dir = MODEL_DIR / "1"
    model.save(export_dir)
    OUTPUT_DATA_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DATA_DIR / "feature_names.txt").write_text("\n".join(df.columns))
    if stopper.stop_requested:
        sys.exit(0)


if __name__ == "__main__":
    main()
