"""Step-based GPT-style language model pre-training on pre-tokenized shards."""
import argparse
import itertools
import logging
import math
import os
import threading
from signal import signal as sig, SIGTERM, SIGINT

import numpy as np
import torch
from torch.utils.data import DataLoader

from model import TinyGPT
from data import TokenShardDataset

logger = logging.getLogger("pretrain")
stop_event = threading.Event()


def on_stop_signal(signum, frame):
    stop_event.set()


def cosine_lr(step, warmup, max_steps, base_lr):
    if step < warmup:
        return base_lr * step / warmup
    progress = (step - warmup) / max(1, max_steps - warmup)
    return 0.5 * base_lr * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(model, val_loader, device, max_batches=50):
    model.eval()
    losses = []
    for x, y in itertools.islice(val_loader, max_batches):
        if stop_event.is_set():
            break
        _, loss = model(x.to(device), y.to(device))
        losses.append(loss.item())
    model.train()
    return float(np.mean(losses)) if losses else float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/shards")
    p.add_argument("--out", default="out")
    p.add_argument("--max-steps", type=int, default=100_000)
    p.add_argument("--warmup", type=int, default=2_000)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--eval-every", type=int, default=1_000)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    sig(SIGTERM, on_stop_signal)
    sig(SIGINT, on_stop_signal)

    device = "cuda"
    model = TinyGPT(vocab_size=50304, n_layer=12, n_head=12, d_model=768).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    step = 0
    if os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]

    train_loader = DataLoader(TokenShardDataset(args.data, "train", block_size=1024),
                              batch_size=args.batch_size, num_workers=2, pin_memory=True)
    val_loader = DataLoader(TokenShardDataset(args.data, "val", block_size=1024),
                            batch_size=args.batch_size)
    train_iter = iter(train_loader)

    while step < args.max_steps:
        if stop_event.is_set():
            logger.info("stop signal received at step %d", step)
            break
        for group in optimizer.param_groups:
            group["lr"] = cosine_lr(step, args.warmup, args.max_steps, args.lr)
        x, y = next(train_iter)
        _, loss = model(x.to(device, non_blocking=True), y.to(device, non_blocking=True))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step % args.eval_every == 0:
            logger.info("step %d train %.3f val %.3f", step, loss.item(), evaluate(model, val_loader, device))

    os.makedirs(args.out, exist_ok=True)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step}, ckpt_path)
    logger.info("saved %s at step %d", ckpt_path, step)


if __name__ == "__main__":
    main()
