"""Preemption handling shared by the training scripts: rank 0 records SIGTERM, every rank learns
of it through a broadcast, the others ignore the signal and wait for rank 0's decision."""

import logging
import signal

import torch
import torch.distributed as dist


class TimeoutHandler:
    def __init__(self, sig=signal.SIGTERM):
        self.sig = sig
        self.device = torch.device("cuda")

    @property
    def interrupted(self):
        if not dist.is_initialized():
            return self._interrupted
        flag = torch.tensor(self._interrupted).int().to(self.device)
        dist.broadcast(flag, 0)
        return bool(flag.item())

    def __enter__(self):
        self._interrupted = False
        self.original_handler = signal.getsignal(self.sig)

        def master_handler(signum, frame):
            self._interrupted = True
            logging.info("Received SIGTERM")

        def ignoring_handler(signum, frame):
            logging.info("Received SIGTERM, rank 0 decides")

        rank = dist.get_rank() if dist.is_initialized() else 0
        if rank == 0:
            signal.signal(self.sig, master_handler)
        else:
            signal.signal(self.sig, ignoring_handler)
        return self

    def __exit__(self, *exc):
        signal.signal(self.sig, self.original_handler)
        return False


def ignore_while_loading(sig=signal.SIGTERM):
    def handler(signum, frame):
        logging.info("SIGTERM while the data loads: ignored")

    signal.signal(sig, handler)
