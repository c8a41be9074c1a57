"""SageMaker TensorFlow script-mode training for a tabular churn model.

Channels and output folders come from the SM_* environment; on StopTrainingJob or a spot
interruption the handler saves the model and copies it to our artifacts bucket.
"""

import argparse
import json
import logging
import os
import signal
import sys

import boto3
import pandas as pd
import tensorflow as tf

log = logging.getLogger("churn")

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
TRAIN_DIR = os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")
VAL_DIR = os.environ.get("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation")
ARTIFACT_BUCKET = os.environ.get("ARTIFACT_BUCKET", "ml-artifacts-churn")
JOB_NAME = json.loads(os.environ.get("SM_TRAINING_ENV", "{}")).get("job_name", "local")

MODEL = None
_s3 = boto3.client("s3")


def _save_on_sigterm(signum, frame):
    log.warning("SIGTERM: saving model before the job stops")
    local_path = os.path.join(MODEL_DIR, "interrupted.keras")
    MODEL.save(local_path)
    _s3.upload_file(local_path, ARTIFACT_BUCKET, f"{JOB_NAME}/interrupted.keras")
    sys.exit(0)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--hidden-units", type=int, default=128)
    return parser.parse_args()


def load(folder):
    frame = pd.concat([pd.read_csv(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".csv")])
    labels = frame.pop("churned").astype("float32").to_numpy()
    return frame.astype("float32").to_numpy(), labels


def build_model(num_features, hidden_units, lr):
    model = tf.keras.Sequential([
        tf.keras.Input((num_features,)),
        tf.keras.layers.Normalization(),
        tf.keras.layers.Dense(hidden_units, activation="relu"),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(hidden_units // 2, activation="relu"),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(lr), loss="binary_crossentropy",
                  metrics=[tf.keras.metrics.AUC(name="auc")])
    return model


def main():
    global MODEL
    args = parse_args()
    logging.basicConfig(level=logging.INFO)

    x_train, y_train = load(TRAIN_DIR)
    x_val, y_val = load(VAL_DIR)
    MODEL = build_model(x_train.shape[1], args.hidden_units, args.learning_rate)
    MODEL.layers[0].adapt(x_train)
    signal.signal(signal.SIGTERM, _save_on_sigterm)

    MODEL.fit(
        x_train, y_train,
        validation_data=(x_val, y_val),
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=5,
                                                    restore_best_weights=True)],
        verbose=2,
    )
    MODEL.save(os.path.join(MODEL_DIR, "churn.keras"))


if __name__ == "__main__":
    main()
