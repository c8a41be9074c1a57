"""Container entry point: work out the node layout, then start torchrun on train.py.

    python launch.py --config configs/gpt-small.yaml
"""

import argparse
import json
import logging
import os
import subprocess
import sys

log = logging.getLogger("launch")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/gpt-small.yaml")
    parser.add_argument("--nproc-per-node", type=int, default=None)
    return parser.parse_known_args()


def cluster_layout():
    hosts = json.loads(os.environ.get("SM_HOSTS", '["algo-1"]'))
    current = os.environ.get("SM_CURRENT_HOST", hosts[0])
    return hosts, hosts.index(current), hosts[0]


def gpu_count():
    out = subprocess.check_output(["nvidia-smi", "--list-gpus"], text=True, timeout=30)
    return len([line for line in out.splitlines() if line.strip()])


def main():
    logging.basicConfig(level=logging.INFO)
    args, passthrough = parse_args()
    hosts, node_rank, master = cluster_layout()
    nproc = args.nproc_per_node or gpu_count()
    commit = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True, timeout=10).strip()
    log.info("commit %s: node %d/%d, %d procs, master %s", commit, node_rank, len(hosts), nproc, master)

    env = dict(os.environ, OMP_NUM_THREADS="4", NCCL_ASYNC_ERROR_HANDLING="1")
    proc = subprocess.Popen(
        [
            "torchrun",
            f"--nnodes={len(hosts)}",
            f"--node_rank={node_rank}",
            f"--nproc_per_node={nproc}",
            f"--master_addr={master}",
            "--master_port=29500",
            "train.py",
            "--config",
            args.config,
            *passthrough,
        ],
        env=env,
    )
    returncode = proc.wait()
    log.info("torchrun exited with %d", returncode)
    sys.exit(returncode)


if __name__ == "__main__":
    main()
