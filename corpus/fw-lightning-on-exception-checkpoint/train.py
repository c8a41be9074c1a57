"""Fine-tune a ResNet on an image folder with Lightning, as a SageMaker training job.

A stop makes Lightning raise at the next batch; OnExceptionCheckpoint writes `stopped.ckpt`
into the checkpoint channel on the way out, and the next job resumes from it.
"""

import argparse
import os

import lightning as L
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint, OnExceptionCheckpoint

from classifier import ImageClassifier, ImageFolderData

CHECKPOINTS = os.environ.get("SM_CHECKPOINT_DIR", "checkpoints")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data-dir", default=os.environ.get("SM_CHANNEL_TRAINING", "data"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    return parser.parse_args()


def resume_from():
    stopped = os.path.join(CHECKPOINTS, "stopped.ckpt")
    last = os.path.join(CHECKPOINTS, "last.ckpt")
    return next((path for path in (stopped, last) if os.path.exists(path)), None)


def main():
    args = parse_args()
    data = ImageFolderData(args.data_dir, batch_size=args.batch_size)
    model = ImageClassifier(num_classes=data.num_classes)
    callbacks = [
        ModelCheckpoint(dirpath=CHECKPOINTS, monitor="val_loss", save_last=True),
        OnExceptionCheckpoint(dirpath=CHECKPOINTS, filename="stopped"),
        EarlyStopping(monitor="val_loss", patience=5),
    ]
    trainer = L.Trainer(max_epochs=args.epochs, accelerator="auto", callbacks=callbacks)
    trainer.fit(model, datamodule=data, ckpt_path=resume_from())
    trainer.save_checkpoint(os.path.join(args.model_dir, "model.ckpt"))


if __name__ == "__main__":
    main()
