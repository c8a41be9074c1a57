import os

import torch
import torch.distributed as dist


def save_on_preemption(model, optimizer, progress, ckpt_dir):
    """Write a resumable checkpoint from rank 0 once every rank has stopped stepping."""
    dist.barrier()
    if dist.get_rank() == 0:
        os.makedirs(ckpt_dir, exist_ok=True)
        torch.save(
            {"model": model.module.state_dict(), "optimizer": optimizer.state_dict(), **progress},
            os.path.join(ckpt_dir, "preempt.pt"),
        )


def save_epoch(model, optimizer, epoch, ckpt_dir):
    if dist.get_rank() == 0:
        os.makedirs(ckpt_dir, exist_ok=True)
        torch.save({"model": model.module.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": epoch, "step": 0}, os.path.join(ckpt_dir, "last.pt"))
