import os

import torch
import yaml

from jepa.checkpoint import save_checkpoint


def main(config_path, rank, world_size):
    with open(config_path) as handle:
        config = yaml.safe_load(handle)
    torch.distributed.init_process_group("nccl", rank=rank, world_size=world_size)
    encoder = torch.nn.Linear(config["dim"], config["dim"]).cuda(rank)
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=config["lr"])
    loader = torch.utils.data.DataLoader(torch.randn(1024, config["dim"]), batch_size=64)

    for epoch in range(config["epochs"]):
        for batch in loader:
            loss = encoder(batch.cuda(rank)).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if rank == 0:
            save_checkpoint(encoder, optimizer, epoch, os.path.join(config["folder"], "latest.pth.tar"))
