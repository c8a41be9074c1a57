"""Multi-worker training on preemptible VMs with tf.distribute.

PreemptionCheckpointHandler watches for the termination signal, saves a checkpoint at the next
step boundary on every worker, and exits; on restart the loop resumes from that checkpoint.

    TF_CONFIG='{"cluster": ..., "task": ...}' python train.py --epochs 20
"""

import argparse
import logging
import os

import tensorflow as tf

log = logging.getLogger("train")

GLOBAL_BATCH = 256


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps-per-epoch", type=int, default=500)
    parser.add_argument("--checkpoint-dir", default=os.environ.get("CHECKPOINT_DIR", "gs://my-bucket/ckpt/resnet"))
    parser.add_argument("--model-dir", default=os.environ.get("AIP_MODEL_DIR", "exported"))
    return parser.parse_args()


def make_dataset():
    (x_train, y_train), _ = tf.keras.datasets.cifar10.load_data()
    x_train = x_train.astype("float32") / 255.0
    ds = tf.data.Dataset.from_tensor_slices((x_train, y_train.squeeze()))
    return ds.shuffle(50_000).repeat().batch(GLOBAL_BATCH).prefetch(tf.data.AUTOTUNE)


def build_model():
    return tf.keras.applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=10)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)

    cluster_resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=cluster_resolver)

    with strategy.scope():
        model = build_model()
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=False, reduction=tf.keras.losses.Reduction.NONE)
        train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
        epoch = tf.Variable(0, trainable=False, dtype=tf.int64, name="epoch")
        step_in_epoch = tf.Variable(0, trainable=False, dtype=tf.int64, name="step_in_epoch")

    dist_dataset = strategy.experimental_distribute_dataset(make_dataset())
    iterator = iter(dist_dataset)

    def train_step(inputs):
        images, labels = inputs
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            per_example_loss = loss_object(labels, predictions)
            loss = tf.nn.compute_average_loss(per_example_loss, global_batch_size=GLOBAL_BATCH)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        train_accuracy.update_state(labels, predictions)
        return loss

    @tf.function
    def distributed_train_step(dist_inputs):
        per_replica_losses = strategy.run(train_step, args=(dist_inputs,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch, step_in_epoch=step_in_epoch)
    # Restores the latest checkpoint on construction and saves one when the platform signals
    # termination, so the loop below needs no handler of its own.
    preemption_handler = tf.distribute.experimental.PreemptionCheckpointHandler(
        cluster_resolver, checkpoint, args.checkpoint_dir)

    while epoch.numpy() < args.epochs:
        total_loss = 0.0
        num_batches = 0
        for _ in range(step_in_epoch.numpy(), args.steps_per_epoch):
            total_loss += preemption_handler.run(distributed_train_step, next(iterator))
            num_batches += 1
            step_in_epoch.assign_add(1)
        log.info("epoch %d loss %.4f acc %.4f", int(epoch.numpy()),
                 float(total_loss) / max(num_batches, 1), float(train_accuracy.result()))
        train_accuracy.reset_state()
        epoch.assign_add(1)
        step_in_epoch.assign(0)

    if cluster_resolver.task_type in (None, "chief"):
        model.save(os.path.join(args.model_dir, "resnet.keras"))


if __name__ == "__main__":
    main()
