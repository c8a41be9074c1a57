import tensorflow as tf


def build_classifier(vocab_size, embed_dim, num_classes):
    return tf.keras.Sequential([
        tf.keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True),
        tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(embed_dim, return_sequences=True)),
        tf.keras.layers.GlobalMaxPooling1D(),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(num_classes),
    ])
