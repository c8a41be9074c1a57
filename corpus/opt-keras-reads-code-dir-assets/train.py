"""Keras text classifier for support tickets (SageMaker TensorFlow container)."""
import argparse
import json
import os
import signal
import sys

import pandas as pd
import tensorflow as tf

from settings import LABELS_FILE, SEQ_LEN, STOPWORDS_FILE, VOCAB_SIZE


def load_assets():
    labels = json.loads(LABELS_FILE.read_text())
    with open(STOPWORDS_FILE, "r", encoding="utf-8") as f:
        stopwords = {w.strip() for w in f if w.strip()}
    return labels, stopwords


def clean(texts, stopwords):
    return [" ".join(w for w in t.lower().split() if w not in stopwords) for t in texts]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args, _ = parser.parse_known_args()

    labels, stopwords = load_assets()
    df = pd.read_csv(os.path.join(args.train, "tickets.csv"))
    texts = clean(df["body"].tolist(), stopwords)
    y = df["queue"].map(labels).to_numpy()

    vectorize = tf.keras.layers.TextVectorization(max_tokens=VOCAB_SIZE, output_sequence_length=SEQ_LEN)
    vectorize.adapt(texts)
    model = tf.keras.Sequential([
        vectorize,
        tf.keras.layers.Embedding(VOCAB_SIZE, 64),
        tf.keras.layers.GlobalAveragePooling1D(),
        tf.keras.layers.Dense(len(labels), activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    ckpt_path = os.path.join(args.model_dir, "interrupted.keras")

    def on_sigterm(signum, frame):
        model.save(ckpt_path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    model.fit(tf.constant(texts), y, epochs=args.epochs, batch_size=64, validation_split=0.1)
    model.save(os.path.join(args.model_dir, "1"))
    with open(os.path.join(args.model_dir, "labels.json"), "w") as f:
        json.dump(labels, f)


if __name__ == "__main__":
    main()
