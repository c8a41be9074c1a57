import glob
import os

import torch


def save_checkpoint(out_dir, epoch, model, optimizer, scaler, keep=3):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"epoch_{epoch:03d}.pt")
    torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scaler": scaler.state_dict()}, path)
    for old in sorted(glob.glob(os.path.join(out_dir, "epoch_*.pt")))[:-keep]:
        os.remove(old)
    return path


def latest_checkpoint(out_dir):
    paths = sorted(glob.glob(os.path.join(out_dir, "epoch_*.pt")))
    return paths[-1] if paths else None
