import os
import sys

import torch

from megatron_lite.dist_signal_handler import DistributedSignalHandler

_SIGNAL_HANDLER = None


def set_signal_handler(sig):
    global _SIGNAL_HANDLER
    _SIGNAL_HANDLER = DistributedSignalHandler(sig).__enter__()


def get_signal_handler():
    return _SIGNAL_HANDLER


def save_checkpoint(iteration, model, optimizer, save_dir):
    state = {"iteration": iteration, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
    torch.save(state, os.path.join(save_dir, f"iter_{iteration:07d}.pt"))


def train(args, model, optimizer, batches):
    iteration = 0
    while iteration < args.train_iters:
        loss = model(next(batches)).float().pow(2).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        iteration += 1
        if args.exit_signal_handler:
            handler = get_signal_handler()
            if any(handler.signals_received()):
                save_checkpoint(iteration, model, optimizer, args.save)
                sys.exit(0)
        if args.save_interval and iteration % args.save_interval == 0:
            save_checkpoint(iteration, model, optimizer, args.save)
