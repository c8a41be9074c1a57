"""Train a small U-Net for segmentation with a GradientTape loop.

    python train.py --data gs://bucket/tfrecords/seg --steps 200000
"""

import argparse
import logging

import tensorflow as tf

from utils.ckpt import make_manager
from utils.signals import install_sigterm_handler

log = logging.getLogger("train")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--ckpt-dir", default="/tmp/unet-ckpt")
    p.add_argument("--steps", type=int, default=200_000)
    p.add_argument("--save-every", type=int, default=5_000)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-4)
    return p.parse_args()


def parse_example(record):
    features = tf.io.parse_single_example(record, {
        "image": tf.io.FixedLenFeature([], tf.string),
        "mask": tf.io.FixedLenFeature([], tf.string),
    })
    image = tf.image.convert_image_dtype(tf.io.decode_png(features["image"], channels=3), tf.float32)
    mask = tf.io.decode_png(features["mask"], channels=1)
    return tf.image.resize(image, (256, 256)), tf.image.resize(mask, (256, 256), method="nearest")


def build_unet(num_classes=4):
    inputs = tf.keras.Input((256, 256, 3))
    skips, x = [], inputs
    for filters in (32, 64, 128, 256):
        x = tf.keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        skips.append(x)
        x = tf.keras.layers.MaxPool2D()(x)
    for filters, skip in zip((256, 128, 64, 32), reversed(skips)):
        x = tf.keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same")(x)
        x = tf.keras.layers.Concatenate()([x, skip])
        x = tf.keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return tf.keras.Model(inputs, tf.keras.layers.Conv2D(num_classes, 1)(x))


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    install_sigterm_handler("unet-seg")

    files = tf.io.gfile.glob(f"{args.data}/train-*.tfrecord")
    ds = (tf.data.TFRecordDataset(files).map(parse_example, num_parallel_calls=tf.data.AUTOTUNE)
          .shuffle(2048).repeat().batch(args.batch_size).prefetch(tf.data.AUTOTUNE))

    model = build_unet()
    optimizer = tf.keras.optimizers.Adam(args.lr)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    manager = make_manager(model, optimizer, step, args.ckpt_dir)

    @tf.function
    def train_step(images, masks):
        with tf.GradientTape() as tape:
            loss = loss_fn(masks, model(images, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    try:
        for images, masks in ds.take(args.steps - int(step)):
            loss = train_step(images, masks)
            step.assign_add(1)
            if int(step) % 100 == 0:
                log.info("step %d loss %.4f", int(step), float(loss))
            if int(step) % args.save_every == 0:
                manager.save(checkpoint_number=int(step))
    except Exception:
        # Keep the progress if anything goes wrong mid-run.
        manager.save(checkpoint_number=int(step))
        raise

    manager.save(checkpoint_number=int(step))
    model.save("/tmp/unet-final.keras")


if __name__ == "__main__":
    main()
