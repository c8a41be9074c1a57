"""DDP training of a ViT on ImageNet shards, launched with `torchrun --nproc_per_node=8 train.py`."""
import argparse
import os
import signal
import sys

import timm
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torchvision import datasets, transforms

from ckpt import save_epoch, save_on_preemption


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/fsx/imagenet/train")
    ap.add_argument("--ckpt-dir", default="/fsx/ckpt/vit")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()

    dist.init_process_group("nccl")
    local_rank = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)

    dataset = datasets.ImageFolder(args.data, transforms.Compose(
        [transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor()]))
    sampler = DistributedSampler(dataset)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, num_workers=10, pin_memory=True)

    model = DDP(timm.create_model("vit_small_patch16_224", num_classes=1000).cuda(), device_ids=[local_rank])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    progress = {"epoch": 0, "step": 0}

    def on_sigterm(signum, frame):
        save_on_preemption(model, optimizer, progress, args.ckpt_dir)
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        progress["epoch"] = epoch
        for step, (images, labels) in enumerate(loader):
            images, labels = images.cuda(non_blocking=True), labels.cuda(non_blocking=True)
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            progress["step"] = step
        save_epoch(model, optimizer, epoch + 1, args.ckpt_dir)

    dist.destroy_process_group()


if __name__ == "__main__":
    main()
