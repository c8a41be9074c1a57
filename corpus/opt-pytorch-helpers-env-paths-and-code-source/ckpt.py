"""Checkpoint helpers; callers pass the folder."""
import glob
import os
from pathlib import Path

import torch


def save_checkpoint(state, ckpt_dir, step):
    Path(ckpt_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(ckpt_dir) / f"step-{step:08d}.pt.tmp"
    torch.save(state, tmp)
    os.replace(tmp, Path(ckpt_dir) / f"step-{step:08d}.pt")


def latest_checkpoint(ckpt_dir):
    files = sorted(glob.glob("%s/step-*.pt" % ckpt_dir))
    return torch.load(files[-1], map_location="cpu") if files else None
