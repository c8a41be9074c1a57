"""Keras EfficientNet training in a bring-your-own TensorFlow image on SageMaker.

The custom image does not set the library path for the driver mount, so the script adds the
standard mount folder before TensorFlow initialises CUDA.
"""
import ctypes
import os

os.environ["LD_LIBRARY_PATH"] = "/usr/local/nvidia/lib64:/usr/local/cuda/lib64:" + os.environ.get("LD_LIBRARY_PATH", "")
ctypes.CDLL("libcuda.so")

import argparse  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

import tensorflow as tf  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--model_dir", type=str)  # the estimator passes an S3 URI here; unused
    p.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    p.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    p.add_argument("--val", type=str, default=os.environ.get("SM_CHANNEL_VAL"))
    return p.parse_known_args()[0]


def make_dataset(folder, image_size, batch_size, shuffle):
    return tf.keras.utils.image_dataset_from_directory(
        folder, image_size=(image_size, image_size), batch_size=batch_size, shuffle=shuffle)


def main():
    args = parse_args()
    train_ds = make_dataset(args.train, args.image_size, args.batch_size, True)
    val_ds = make_dataset(args.val, args.image_size, args.batch_size, False)

    base = tf.keras.applications.EfficientNetB0(include_top=False, pooling="avg")
    model = tf.keras.Sequential([base, tf.keras.layers.Dense(len(train_ds.class_names), activation="softmax")])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])

    def on_sigterm(signum, frame):
        model.save(os.path.join(args.sm_model_dir, "interrupted"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    model.fit(train_ds, validation_data=val_ds, epochs=args.epochs)
    model.save(os.path.join(args.sm_model_dir, "1"))


if __name__ == "__main__":
    main()
