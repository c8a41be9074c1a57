"""Train an audio keyword-spotting model with PyTorch Lightning.

Lightning's Trainer installs its own SIGTERM handling during fit: it stops at the next batch
boundary and the ModelCheckpoint callback's `save_last` checkpoint lets the next run resume.

    python train.py --data-dir data/speech_commands --max-epochs 40
"""

import argparse
import os

import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger

from datamodule import SpeechCommandsDataModule
from model import KeywordSpotter


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="data/speech_commands")
    parser.add_argument("--output-dir", default="runs/kws")
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--devices", type=int, default=1)
    return parser.parse_args()


def main():
    args = parse_args()
    L.seed_everything(42, workers=True)

    dm = SpeechCommandsDataModule(args.data_dir, batch_size=args.batch_size)
    model = KeywordSpotter(num_classes=dm.num_classes, lr=args.lr)

    checkpoint_cb = ModelCheckpoint(
        dirpath=os.path.join(args.output_dir, "checkpoints"),
        monitor="val/acc",
        mode="max",
        save_top_k=2,
        save_last=True,
    )
    trainer = L.Trainer(
        max_epochs=args.max_epochs,
        accelerator="auto",
        devices=args.devices,
        precision="16-mixed",
        callbacks=[checkpoint_cb, LearningRateMonitor("epoch")],
        logger=CSVLogger(args.output_dir),
        log_every_n_steps=25,
    )
    last = os.path.join(args.output_dir, "checkpoints", "last.ckpt")
    trainer.fit(model, datamodule=dm, ckpt_path=last if os.path.exists(last) else None)
    trainer.test(model, datamodule=dm, ckpt_path="best")


if __name__ == "__main__":
    main()
