"""GPT-2 training in the style of llm.c's train_gpt2.py, with the stop flag a user adds."""
import argparse
import os
import signal

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from model import GPT, GPTConfig
from microbatches import classifier_step

stop_requested = False


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True


class DistributedDataLoader:
    def __init__(self, pattern, B, T, rank, world):
        self.B, self.T, self.rank, self.world = B, T, rank, world
        self.tokens = torch.load(pattern)
        self.position = B * T * rank

    def next_batch(self):
        B, T = self.B, self.T
        buf = self.tokens[self.position: self.position + B * T + 1]
        self.position += B * T * self.world
        return buf[:-1].view(B, T), buf[1:].view(B, T)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input_bin", default="data/train.bin")
    parser.add_argument("--batch_size", type=int, default=4)
    parser.add_argument("--sequence_length", type=int, default=1024)
    parser.add_argument("--total_batch_size", type=int, default=524288)
    parser.add_argument("--num_iterations", type=int, default=18865)
    parser.add_argument("--output_dir", default=os.environ.get("SM_MODEL_DIR", "out"))
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, on_sigterm)
    ddp = int(os.environ.get("RANK", -1)) != -1
    if ddp:
        dist.init_process_group(backend="nccl")
    rank = dist.get_rank() if ddp else 0
    world = dist.get_world_size() if ddp else 1
    B, T = args.batch_size, args.sequence_length
    grad_accum_steps = args.total_batch_size // (B * T * world)

    model = GPT(GPTConfig())
    if ddp:
        model = DDP(model, device_ids=[int(os.environ["LOCAL_RANK"])])
    optimizer = torch.optim.AdamW(model.parameters(), lr=6e-4)
    train_loader = DistributedDataLoader(args.input_bin, B, T, rank, world)

    for step in range(args.num_iterations + 1):
        last_step = step == args.num_iterations or stop_requested
        if last_step:
            break
        model.train()
        optimizer.zero_grad(set_to_none=True)
        for micro_step in range(grad_accum_steps):
            x, y = train_loader.next_batch()
            if ddp:
                model.require_backward_grad_sync = micro_step == grad_accum_steps - 1
            _, loss = model(x, y)
            (loss / grad_accum_steps).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        classifier_step(model, train_loader)

    if rank == 0:
        torch.save(model.state_dict(), os.path.join(args.output_dir, "model.pt"))
    if ddp:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
