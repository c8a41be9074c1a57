"""Checkpointing for managed spot training: SageMaker syncs the checkpoint folder to S3."""
import glob
import logging
import os

import torch

log = logging.getLogger(__name__)


def save_checkpoint(state, epoch, ckpt_dir="/opt/ml/checkpoints"):
    os.makedirs(ckpt_dir, exist_ok=True)
    path = os.path.join(ckpt_dir, "epoch_%03d.pt" % epoch)
    torch.save(state, path)
    for old in sorted(glob.glob(os.path.join(ckpt_dir, "epoch_*.pt")))[:-3]:
        os.remove(old)
    log.info("checkpoint written: %s", path)
    return path


def load_latest(ckpt_dir):
    files = sorted(glob.glob(os.path.join(ckpt_dir, "epoch_*.pt")))
    if not files:
        return None
    return torch.load(files[-1], map_location="cpu")
