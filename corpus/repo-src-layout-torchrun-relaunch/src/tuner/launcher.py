"""Starts torchrun on this very file, whose workers run the fine-tuning. The launcher waits for
torchrun and installs no SIGTERM handler: a stop kills it and never reaches the workers."""
import os
import subprocess
import sys


def launch():
    if sys.argv[1] == "export":
        from .train.tuner import export_model  # quick, runs in this process

        return export_model(sys.argv[2])
    nproc = os.environ.get("NPROC_PER_NODE", "8")
    torchrun = ["torchrun", "--nproc-per-node", nproc, "--master-port", "29500"]
    process = subprocess.run(torchrun + [__file__] + sys.argv[2:], check=True)
    return process.returncode


if __name__ == "__main__":
    from tuner.train.tuner import run_exp

    run_exp(sys.argv[1])
