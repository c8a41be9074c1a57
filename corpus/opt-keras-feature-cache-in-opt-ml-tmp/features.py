"""Frozen-backbone embeddings, cached on local disk between epochs of the head."""
from pathlib import Path

import numpy as np
import tensorflow as tf

CACHE_DIR = Path("/opt/ml") / "tmp" / "features"


def embed(image_dir, image_size=224, batch_size=128):
    ds = tf.keras.utils.image_dataset_from_directory(image_dir, image_size=(image_size, image_size),
                                                     batch_size=batch_size, shuffle=False)
    backbone = tf.keras.applications.MobileNetV3Large(include_top=False, pooling="avg")
    feats, labels = [], []
    for images, y in ds:
        feats.append(backbone(images, training=False).numpy())
        labels.append(y.numpy())
    return np.concatenate(feats), np.concatenate(labels), ds.class_names


def cached_embeddings(image_dir, split, cache_dir=CACHE_DIR):
    x_path, y_path = cache_dir / f"{split}_x.npy", cache_dir / f"{split}_y.npy"
    if x_path.exists():
        return np.load(x_path), np.load(y_path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    x, y, _ = embed(image_dir)
    np.save(x_path, x)
    np.save(y_path, y)
    return x, y
