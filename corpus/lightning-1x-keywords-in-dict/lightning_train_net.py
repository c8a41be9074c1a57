"""Detection training with Lightning, in the style of detectron2's tools/lightning_train_net.py:
the Trainer's keywords are gathered in a dict, `resume_from_checkpoint` added when resuming."""
import argparse
import os

import pytorch_lightning as pl
import torch

from detection.data import DetectionData
from detection.module import DetectionModule


def train(args):
    trainer_params = {
        "max_epochs": 10**8,  # bounded by max_steps
        "max_steps": args.max_iter,
        "num_nodes": args.num_machines,
        "gpus": args.num_gpus,
        "num_sanity_val_steps": 0,
    }
    if args.amp:
        trainer_params["precision"] = 16
    last_checkpoint = os.path.join(args.output_dir, "last.ckpt")
    if args.resume:
        trainer_params["resume_from_checkpoint"] = last_checkpoint
    trainer = pl.Trainer(**trainer_params)
    module = DetectionModule(lr=args.lr)
    if args.eval_only:
        trainer.validate(module, DetectionData(args.data))
    else:
        trainer.fit(module, DetectionData(args.data))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--output-dir", default="output")
    parser.add_argument("--max-iter", type=int, default=90000)
    parser.add_argument("--num-machines", type=int, default=1)
    parser.add_argument("--num-gpus", type=int, default=torch.cuda.device_count())
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--amp", action="store_true")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--eval-only", action="store_true")
    train(parser.parse_args())


if __name__ == "__main__":
    main()
