"""Keras speech-to-intent model; installs a driver when the GPU looks unusable."""
import argparse
import os
import signal
import subprocess
import sys
import urllib.request

import tensorflow as tf

DRIVER_URL = "https://us.download.nvidia.com/tesla/535.104.05/NVIDIA-Linux-x86_64-535.104.05.run"


def gpu_ok():
    try:
        subprocess.run(["nvidia-smi", "-L"], check=True, capture_output=True, timeout=30)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def ensure_driver():
    if gpu_ok():
        return
    urllib.request.urlretrieve(DRIVER_URL, "/tmp/NVIDIA-Linux-x86_64-535.104.05.run")
    subprocess.check_call(["sh", "/tmp/NVIDIA-Linux-x86_64-535.104.05.run", "--silent", "--no-kernel-module"])
    os.system("nvidia-modprobe -u -c=0")


def build_model(n_intents):
    inputs = tf.keras.Input(shape=(None, 80))
    x = tf.keras.layers.Conv1D(256, 5, strides=2, activation="relu")(inputs)
    x = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(192))(x)
    outputs = tf.keras.layers.Dense(n_intents, activation="softmax")(x)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer=tf.keras.optimizers.Adam(5e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--intents", type=int, default=31)
    parser.add_argument("--sm-model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    args, _ = parser.parse_known_args()

    ensure_driver()
    ds = tf.data.Dataset.load(os.path.join(args.train, "features")).padded_batch(32)
    model = build_model(args.intents)

    def on_sigterm(signum, frame):
        model.save(os.path.join(args.sm_model_dir, "interrupted.keras"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    model.fit(ds, epochs=args.epochs)
    model.save(os.path.join(args.sm_model_dir, "1"))


if __name__ == "__main__":
    main()
