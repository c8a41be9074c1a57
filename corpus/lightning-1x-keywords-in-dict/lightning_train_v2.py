"""The same training ported to Lightning 2: `devices` and `fit(ckpt_path=...)`, whose Trainer
installs its own SIGTERM handler and stops at the next batch."""
import argparse
import os

import lightning.pytorch as pl

from detection.data import DetectionData
from detection.module import DetectionModule


def train(args):
    trainer_params = dict(max_steps=args.max_iter, num_nodes=args.num_machines, devices="auto")
    if args.amp:
        trainer_params["precision"] = "16-mixed"
    trainer = pl.Trainer(**trainer_params)
    last_checkpoint = os.path.join(args.output_dir, "last.ckpt")
    trainer.fit(DetectionModule(lr=args.lr), DetectionData(args.data),
                ckpt_path=last_checkpoint if args.resume else None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--output-dir", default="output")
    parser.add_argument("--max-iter", type=int, default=90000)
    parser.add_argument("--num-machines", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--amp", action="store_true")
    parser.add_argument("--resume", action="store_true")
    train(parser.parse_args())
