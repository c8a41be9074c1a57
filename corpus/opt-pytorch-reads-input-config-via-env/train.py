"""Multi-node PyTorch training of a text CNN; the cluster layout comes from resourceconfig.json."""
import logging
import os
import signal
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from utils.sm_env import channel_modes, hyperparameters, resource_config

logger = logging.getLogger("train")

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
TRAIN_DIR = os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")
stop_requested = False


def request_stop(signum, frame):
    global stop_requested
    stop_requested = True


def init_distributed():
    cluster = resource_config()
    hosts = sorted(cluster["hosts"])
    rank = hosts.index(cluster["current_host"])
    os.environ.setdefault("MASTER_ADDR", hosts[0])
    os.environ.setdefault("MASTER_PORT", "29500")
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo",
                            rank=rank, world_size=len(hosts))
    return rank, len(hosts)


def main():
    hp = hyperparameters()
    if channel_modes().get("train") == "Pipe":
        sys.exit("this script needs File mode for the train channel")
    rank, world = init_distributed()
    signal.signal(signal.SIGTERM, request_stop)

    data = torch.load(os.path.join(TRAIN_DIR, "tokens.pt"))
    ds = TensorDataset(data["x"], data["y"])
    loader = DataLoader(ds, batch_size=int(hp.get("batch_size", 128)),
                        sampler=DistributedSampler(ds, num_replicas=world, rank=rank))

    model = DDP(nn.Sequential(nn.Embedding(30000, 128), nn.Flatten(), nn.LazyLinear(4)))
    optimizer = torch.optim.Adam(model.parameters(), lr=float(hp.get("lr", 1e-3)))
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(int(hp.get("epochs", 5))):
        loader.sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
            if stop_requested:
                break
        if stop_requested:
            logger.info("stopping early at epoch %d", epoch)
            break

    if rank == 0:
        torch.save(model.module.state_dict(), os.path.join(MODEL_DIR, "model.pt"))


if __name__ == "__main__":
    main()
