"""Start the training function in one process per GPU, or in this one."""

import torch.multiprocessing as mp

__all__ = ["launch"]


def launch(main_func, num_gpus=1, args=()):
    if num_gpus > 1:
        mp.start_processes(_worker, nprocs=num_gpus, args=(main_func, args), daemon=False)
    else:
        main_func(*args)


def _worker(local_rank, main_func, args):
    import torch.distributed as dist

    dist.init_process_group("nccl", rank=local_rank)
    main_func(*args)
