import os
import subprocess
import sys
import time
from argparse import ArgumentParser, REMAINDER


def parse_args():
    parser = ArgumentParser(description="PyTorch distributed training launch helper")
    parser.add_argument("--nproc_per_node", type=int, default=1)
    parser.add_argument("training_script", type=str)
    parser.add_argument("training_script_args", nargs=REMAINDER)
    return parser.parse_args()


def main():
    args = parse_args()
    current_env = os.environ.copy()
    current_env["WORLD_SIZE"] = str(args.nproc_per_node)
    processes = []
    for local_rank in range(0, args.nproc_per_node):
        current_env["RANK"] = str(local_rank)
        current_env["LOCAL_RANK"] = str(local_rank)
        cmd = [sys.executable, "-u", args.training_script] + args.training_script_args
        processes.append(subprocess.Popen(cmd, env=current_env))

    try:
        up = True
        while up:
            up = any(p.poll() is None for p in processes)
            time.sleep(1)
    except KeyboardInterrupt:
        for p in processes:
            p.terminate()
        raise


if __name__ == "__main__":
    main()
