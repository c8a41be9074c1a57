"""DDP language-model training, started by launch.py through torchrun."""

import argparse
import os
import signal
import sys

import torch
import torch.distributed as dist
import yaml
from torch.nn.parallel import DistributedDataParallel as DDP

from lm import build_model, make_loader

STOP = False


def _on_sigterm(signum, frame):
    global STOP
    STOP = True


def stop_agreed(device):
    """Every rank must leave the loop at the same step, or the next all-reduce hangs."""
    flag = torch.tensor([1.0 if STOP else 0.0], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    with open(args.config) as handle:
        cfg = yaml.safe_load(handle)

    signal.signal(signal.SIGTERM, _on_sigterm)
    dist.init_process_group("nccl")
    rank, local_rank = dist.get_rank(), int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)

    model = DDP(build_model(cfg).cuda(local_rank), device_ids=[local_rank])
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"])
    loader = make_loader(cfg, rank, dist.get_world_size())
    ckpt_path = os.path.join(cfg["ckpt_dir"], "latest.pt")

    for step, (inputs, targets) in enumerate(loader):
        loss = model(inputs.cuda(local_rank), targets.cuda(local_rank))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if stop_agreed(local_rank) or step + 1 == cfg["max_steps"]:
            if rank == 0:
                torch.save({"model": model.module.state_dict(), "optimizer": optimizer.state_dict(),
                            "step": step + 1}, ckpt_path)
            break

    dist.destroy_process_group()
    sys.exit(0)


if __name__ == "__main__":
    main()
