import os

import tensorflow as tf


def _read_split(data_dir, split):
    path = os.path.join(data_dir, f"{split}.tsv")
    return tf.data.experimental.CsvDataset(path, [tf.string, tf.int64], field_delim="\t", header=True)


def load_datasets(data_dir, batch_size, seq_len):
    vectorize = tf.keras.layers.TextVectorization(max_tokens=30000, output_sequence_length=seq_len)
    train_raw = _read_split(data_dir, "train")
    vectorize.adapt(train_raw.map(lambda text, label: text).batch(1024))

    def encode(text, label):
        return vectorize(text), label

    train_ds = (train_raw.shuffle(50_000).map(encode, num_parallel_calls=tf.data.AUTOTUNE)
                .batch(batch_size).prefetch(tf.data.AUTOTUNE))
    val_ds = _read_split(data_dir, "dev").map(encode).batch(batch_size)
    return train_ds, val_ds, vectorize.vocabulary_size()
