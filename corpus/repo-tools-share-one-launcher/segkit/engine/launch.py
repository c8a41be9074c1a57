"""Start a tool's main function on every GPU of this machine, or in this process for one."""

import torch.multiprocessing as mp

__all__ = ["launch"]


def _worker(rank, main_func, args):
    main_func(*args)


def launch(main_func, num_gpus=1, args=()):
    if num_gpus > 1:
        mp.spawn(_worker, nprocs=num_gpus, args=(main_func, args))
        return
    main_func(*args)
