"""LSTM demand forecaster in Keras, trained with the SageMaker TensorFlow estimator."""
import argparse
import json
import os
import signal
import sys

import numpy as np
import tensorflow as tf


def parse_args():
    parser = argparse.ArgumentParser(description="demand forecaster")
    parser.add_argument("--window", type=int, default=48)
    parser.add_argument("--horizon", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument(
        "--sm-model-dir",
        type=str,
        default="/opt/ml/model",
        help="where the SavedModel is exported",
    )
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--output-data-dir", type=str, default="/opt/ml/output/data")
    return parser.parse_known_args()[0]


def windows(series, window, horizon):
    xs, ys = [], []
    for start in range(len(series) - window - horizon):
        xs.append(series[start:start + window])
        ys.append(series[start + window:start + window + horizon])
    return np.stack(xs)[..., None], np.stack(ys)


class StopOnSigterm(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.requested = False

    def on_batch_end(self, batch, logs=None):
        if self.requested:
            self.model.stop_training = True


def main():
    args = parse_args()
    series = np.load(os.path.join(args.train, "demand.npy")).astype("float32")
    mean, std = series.mean(), series.std()
    x, y = windows((series - mean) / std, args.window, args.horizon)

    model = tf.keras.Sequential([
        tf.keras.layers.LSTM(128, return_sequences=True),
        tf.keras.layers.LSTM(64),
        tf.keras.layers.Dense(args.horizon),
    ])
    model.compile(optimizer="adam", loss="mse")

    stopper = StopOnSigterm()
    signal.signal(signal.SIGTERM, lambda s, f: setattr(stopper, "requested", True))
    history = model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size,
                        validation_split=0.2, callbacks=[stopper])

    model.save(os.path.join(args.sm_model_dir, "1"))
    os.makedirs(args.output_data_dir, exist_ok=True)
    with open(os.path.join(args.output_data_dir, "scaler.json"), "w") as f:
        json.dump({"mean": float(mean), "std": float(std)}, f)
    np.save(os.path.join(args.output_data_dir, "val_loss.npy"), np.array(history.history["val_loss"]))
    if stopper.requested:
        sys.exit(0)


if __name__ == "__main__":
    main()
