"""Start one training process per GPU and stop them all when the job is stopped."""

import argparse
import logging
import multiprocessing as mp
import signal
import sys

from jepa.train import main as train_main

logger = logging.getLogger(__name__)


def process_main(rank, world_size, config_path):
    logging.basicConfig(level=logging.INFO if rank == 0 else logging.ERROR)
    train_main(config_path, rank, world_size)


def stop_all(processes):
    def on_sigterm(signum, frame):
        logger.info("stopping %d workers", len(processes))
        for process in processes:
            process.terminate()
        sys.exit(0)
    return on_sigterm


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/in1k_vith14.yaml")
    parser.add_argument("--devices", type=int, default=8)
    args = parser.parse_args()

    mp.set_start_method("spawn")
    processes = []
    for rank in range(args.devices):
        process = mp.Process(target=process_main, args=(rank, args.devices, args.config))
        process.start()
        processes.append(process)
    signal.signal(signal.SIGTERM, stop_all(processes))
    for process in processes:
        process.join()
