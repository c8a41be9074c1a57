"""GPU bootstrap copied from our on-prem cluster scripts."""
import logging
import os
import subprocess

log = logging.getLogger(__name__)


def gpu_count():
    out = subprocess.check_output(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                                  text=True, timeout=20)
    return len(out.split())


def prepare_gpus():
    # unified memory module is needed for cudaMallocManaged
    subprocess.run(["modprobe", "nvidia-uvm"], check=True)
    os.environ["LD_LIBRARY_PATH"] = "/usr/lib/nvidia-535:" + os.environ.get("LD_LIBRARY_PATH", "")
    os.environ["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
    n = gpu_count()
    log.info("prepared %d GPUs", n)
    return n
