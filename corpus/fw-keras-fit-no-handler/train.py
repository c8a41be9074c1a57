"""Train an image classifier on a folder of images with Keras model.fit.

Usage:
    python train.py --data-dir data/flowers --epochs 30 --batch-size 64
"""

import argparse
import logging
import os

import tensorflow as tf

log = logging.getLogger("train")

IMG_SIZE = (224, 224)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="data/flowers")
    parser.add_argument("--output-dir", default="outputs")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--fine-tune-at", type=int, default=100)
    return parser.parse_args()


def make_datasets(data_dir, batch_size):
    train_ds = tf.keras.utils.image_dataset_from_directory(
        data_dir, validation_split=0.2, subset="training", seed=1337,
        image_size=IMG_SIZE, batch_size=batch_size)
    val_ds = tf.keras.utils.image_dataset_from_directory(
        data_dir, validation_split=0.2, subset="validation", seed=1337,
        image_size=IMG_SIZE, batch_size=batch_size)
    num_classes = len(train_ds.class_names)
    autotune = tf.data.AUTOTUNE
    return train_ds.prefetch(autotune), val_ds.prefetch(autotune), num_classes


def build_model(num_classes, fine_tune_at):
    base = tf.keras.applications.MobileNetV2(input_shape=IMG_SIZE + (3,), include_top=False, weights="imagenet")
    base.trainable = True
    for layer in base.layers[:fine_tune_at]:
        layer.trainable = False
    inputs = tf.keras.Input(shape=IMG_SIZE + (3,))
    x = tf.keras.layers.RandomFlip("horizontal")(inputs)
    x = tf.keras.layers.RandomRotation(0.1)(x)
    x = tf.keras.applications.mobilenet_v2.preprocess_input(x)
    x = base(x, training=False)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    x = tf.keras.layers.Dropout(0.2)(x)
    outputs = tf.keras.layers.Dense(num_classes)(x)
    return tf.keras.Model(inputs, outputs)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    os.makedirs(args.output_dir, exist_ok=True)

    train_ds, val_ds, num_classes = make_datasets(args.data_dir, args.batch_size)
    model = build_model(num_classes, args.fine_tune_at)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(args.lr),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )

    callbacks = [
        # Saves at the end of every epoch only: a stop in the middle of an epoch loses it.
        tf.keras.callbacks.ModelCheckpoint(
            os.path.join(args.output_dir, "ckpt-{epoch:02d}.weights.h5"), save_weights_only=True),
        tf.keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True),
        tf.keras.callbacks.TensorBoard(log_dir=os.path.join(args.output_dir, "tb")),
    ]
    log.info("training on %d classes for %d epochs", num_classes, args.epochs)
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=args.epochs,
        callbacks=callbacks,
    )
    log.info("best val_accuracy %.4f", max(history.history["val_accuracy"]))
    model.save(os.path.join(args.output_dir, "flowers.keras"))


if __name__ == "__main__":
    main()
