"""Container entry point: start torchrun on train.py and pass stop signals on to it.

The container runtime sends SIGTERM to this process (PID 1) only. The handler forwards it to
torchrun, which forwards it to every worker; if they have not exited within the grace period
the whole group is killed so the launcher still exits before the platform's SIGKILL.

    python launch.py --config configs/gpt-small.yaml
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys

log = logging.getLogger("launch")

GRACE_SECONDS = 60
_child = None


def _forward_signal(signum, frame):
    if _child is None or _child.poll() is not None:
        sys.exit(128 + signum)
    log.warning("got signal %d, forwarding to torchrun (pid %d)", signum, _child.pid)
    _child.send_signal(signum)
    try:
        _child.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        log.error("workers still running after %d s, killing them", GRACE_SECONDS)
        os.killpg(_child.pid, signal.SIGKILL)
    sys.exit(128 + signum)


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
    global _child
    logging.basicConfig(level=logging.INFO)
    args, passthrough = parse_args()
    hosts, node_rank, master = cluster_layout()
    nproc = args.nproc_per_node or gpu_count()
    log.info("node %d/%d, %d procs, master %s", node_rank, len(hosts), nproc, master)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _forward_signal)

    _child = subprocess.Popen(
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
        env=dict(os.environ, OMP_NUM_THREADS="4"),
        start_new_session=True,
    )
    returncode = _child.wait()
    log.info("torchrun exited with %d", returncode)
    sys.exit(returncode)


if __name__ == "__main__":
    main()
