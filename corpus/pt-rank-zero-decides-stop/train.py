import sys

import torch
import torch.distributed as dist

from utils import TimeoutHandler, ignore_while_loading


def save_checkpoint(model, optimizer, epoch):
    if dist.get_rank() == 0:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, "checkpoint.pt")


def train(model, optimizer, loader, timeout_handler, epoch):
    for step, (images, labels) in enumerate(loader):
        loss = torch.nn.functional.cross_entropy(model(images.cuda()), labels.cuda())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if (step + 1) % 20 == 0 and timeout_handler.interrupted:
            return True
    return False


def main():
    dist.init_process_group("nccl")
    ignore_while_loading()
    loader = torch.utils.data.DataLoader(torch.load("train.pt"), batch_size=256)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3072, 10).cuda())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with TimeoutHandler() as timeout_handler:
        for epoch in range(90):
            interrupted = train(model, optimizer, loader, timeout_handler, epoch)
            save_checkpoint(model, optimizer, epoch)
            if interrupted:
                sys.exit(0)


if __name__ == "__main__":
    main()
