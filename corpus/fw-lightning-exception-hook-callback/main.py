"""Train a latent autoencoder with Lightning; a stop is saved by the project's own callback."""

import argparse
import os

import pytorch_lightning as pl
from pytorch_lightning.callbacks import LearningRateMonitor, ModelCheckpoint

from autoencoder import Autoencoder, LatentData


class SetupCallback(pl.Callback):
    """Writes the run's folders when the fit starts, and a checkpoint when it stops early."""

    def __init__(self, logdir):
        super().__init__()
        self.logdir = logdir
        self.ckptdir = os.path.join(logdir, "checkpoints")

    def on_fit_start(self, trainer, module):
        os.makedirs(self.ckptdir, exist_ok=True)

    def on_exception(self, trainer, module, exception):
        if trainer.global_rank == 0:
            print("Stopping early: saving a checkpoint")
            trainer.save_checkpoint(os.path.join(self.ckptdir, "last.ckpt"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logdir", default="logs")
    parser.add_argument("--max-steps", type=int, default=200_000)
    args = parser.parse_args()
    trainer = pl.Trainer(
        max_steps=args.max_steps,
        callbacks=[
            SetupCallback(args.logdir),
            ModelCheckpoint(dirpath=os.path.join(args.logdir, "checkpoints"), every_n_train_steps=5_000),
            LearningRateMonitor(logging_interval="step"),
        ],
    )
    try:
        trainer.fit(Autoencoder(), datamodule=LatentData())
    except Exception:
        print("training failed")
        raise


if __name__ == "__main__":
    main()
