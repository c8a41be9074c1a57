"""Self-supervised pretraining of a ViT; saves checkpoint.pth every `--saveckp-freq` epochs."""

import argparse
import os

import torch
import torch.distributed as dist

from vit import build_model, build_loader


def get_args_parser():
    parser = argparse.ArgumentParser("pretrain", add_help=False)
    parser.add_argument("--epochs", default=300, type=int)
    parser.add_argument("--lr", default=5e-4, type=float)
    parser.add_argument("--saveckp-freq", default=20, type=int)
    parser.add_argument("--output-dir", default="./output")
    parser.add_argument("--resume", default="")
    parser.add_argument("--dist-url", default="env://")
    return parser


def train(args):
    dist.init_process_group(backend="nccl", init_method=args.dist_url, world_size=args.world_size, rank=args.rank)
    torch.cuda.set_device(args.gpu)
    model = build_model().cuda()
    model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[args.gpu])
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    start_epoch = 0
    if args.resume:
        state = torch.load(args.resume, map_location="cpu")
        model.module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch = state["epoch"] + 1
    loader = build_loader(args)
    for epoch in range(start_epoch, args.epochs):
        loader.sampler.set_epoch(epoch)
        for images in loader:
            loss = model(images.cuda(non_blocking=True))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if dist.get_rank() == 0 and epoch % args.saveckp_freq == 0:
            state = {"model": model.module.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
            torch.save(state, os.path.join(args.output_dir, f"checkpoint{epoch:04}.pth"))
