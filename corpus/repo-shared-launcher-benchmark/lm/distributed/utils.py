"""One way to start every program: rank 0 runs in this process, the other ranks in children."""

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def distributed_main(rank, main, cfg):
    if cfg.world_size > 1:
        dist.init_process_group("nccl", rank=rank + 1, world_size=cfg.world_size)
    return main(cfg)


def _spawn_helper(main, cfg):
    children = mp.start_processes(distributed_main, (main, cfg), nprocs=cfg.world_size - 1,
                                  join=False, start_method="spawn")
    result = distributed_main(-1, main, cfg)
    children.join()
    return result


def call_main(cfg, main):
    if cfg.world_size > 1 and torch.cuda.device_count() > 1:
        return _spawn_helper(main, cfg)
    return distributed_main(0, main, cfg)
