"""Online click-through model: consumes feature shards as they land and keeps training.

An asyncio producer tails the shard folder and feeds a queue; the consumer trains on each
batch. SIGTERM/SIGINT set an asyncio.Event through loop.add_signal_handler; both loops watch
it, and the consumer saves a final checkpoint once it has left its loop.

    python train.py --shards /data/ctr/incoming --ckpt /ckpt/ctr.pt
"""

import argparse
import asyncio
import glob
import json
import logging
import os
import signal

import torch
from torch import nn

log = logging.getLogger("online")


class WideAndDeep(nn.Module):
    def __init__(self, num_features, hidden=256):
        super().__init__()
        self.wide = nn.Linear(num_features, 1)
        self.deep = nn.Sequential(nn.Linear(num_features, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return (self.wide(x) + self.deep(x)).squeeze(-1)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", default="/data/ctr/incoming")
    parser.add_argument("--ckpt", default="/ckpt/ctr.pt")
    parser.add_argument("--num-features", type=int, default=512)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--save-every", type=int, default=2000)
    return parser.parse_args()


async def produce(queue, shard_dir, stop):
    seen = set()
    while not stop.is_set():
        for path in sorted(glob.glob(os.path.join(shard_dir, "*.jsonl"))):
            if stop.is_set():
                return
            if path in seen:
                continue
            seen.add(path)
            with open(path) as handle:
                rows = [json.loads(line) for line in handle]
            for start in range(0, len(rows), 512):
                if stop.is_set():
                    return
                chunk = rows[start:start + 512]
                x = torch.tensor([r["features"] for r in chunk], dtype=torch.float32)
                y = torch.tensor([r["clicked"] for r in chunk], dtype=torch.float32)
                await queue.put((x, y))
        await asyncio.sleep(5)


def save_checkpoint(path, model, optimizer, step):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step}, tmp)
    os.replace(tmp, path)


async def train(args):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop(signame):
        log.warning("%s received, finishing the current batch", signame)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, sig.name)

    model = WideAndDeep(args.num_features)
    optimizer = torch.optim.Adagrad(model.parameters(), lr=args.lr)
    step = 0
    if os.path.exists(args.ckpt):
        state = torch.load(args.ckpt)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]

    queue = asyncio.Queue(maxsize=64)
    producer = asyncio.create_task(produce(queue, args.shards, stop))
    loss_fn = nn.BCEWithLogitsLoss()

    while not stop.is_set():
        try:
            x, y = await asyncio.wait_for(queue.get(), timeout=1.0)
        except asyncio.TimeoutError:
            continue
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        if step % args.save_every == 0:
            save_checkpoint(args.ckpt, model, optimizer, step)
            log.info("step %d loss %.4f", step, loss.item())

    save_checkpoint(args.ckpt, model, optimizer, step)
    log.info("stopped at step %d, checkpoint written", step)
    producer.cancel()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(train(parse_args()))
