"""Checkpoint helpers shared by train.py and the signal handlers."""
import logging
import os

import torch

logger = logging.getLogger(__name__)

_TRACKED = {}
_PROGRESS = {"epoch": 0, "step": 0}
_CKPT_DIR = "/opt/ml/checkpoints"


def configure(ckpt_dir):
    global _CKPT_DIR
    _CKPT_DIR = ckpt_dir
    os.makedirs(_CKPT_DIR, exist_ok=True)


def track(**objects):
    """Remember the objects (model, optimizer, scheduler, scaler) a checkpoint must contain."""
    _TRACKED.update(objects)


def update_progress(epoch, step):
    _PROGRESS["epoch"] = epoch
    _PROGRESS["step"] = step


def save_latest(tag="latest"):
    state = {name: obj.state_dict() for name, obj in _TRACKED.items()}
    state.update(_PROGRESS)
    path = os.path.join(_CKPT_DIR, f"{tag}.pt")
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_latest(map_location="cpu"):
    path = os.path.join(_CKPT_DIR, "latest.pt")
    if not os.path.exists(path):
        return None
    state = torch.load(path, map_location=map_location)
    for name, obj in _TRACKED.items():
        if name in state:
            obj.load_state_dict(state[name])
    logger.info("resumed from %s (epoch %d)", path, state["epoch"])
    return state
