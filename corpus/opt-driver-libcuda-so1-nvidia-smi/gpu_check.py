"""Startup diagnostics: which driver and CUDA runtime the container actually got."""
import ctypes
import logging
import os
import subprocess

logger = logging.getLogger(__name__)


def driver_version():
    """Ask the driver API through the SONAME the container runtime mounts."""
    libcuda = ctypes.CDLL("libcuda.so.1")
    version = ctypes.c_int()
    if libcuda.cuDriverGetVersion(ctypes.byref(version)) != 0:
        return None
    return "%d.%d" % (version.value // 1000, (version.value % 1000) // 10)


def runtime_version():
    try:
        cudart = ctypes.CDLL("libcudart.so.12")
    except OSError:
        return None
    version = ctypes.c_int()
    cudart.cudaRuntimeGetVersion(ctypes.byref(version))
    return version.value


def gpu_inventory():
    out = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
        capture_output=True, text=True, timeout=30, check=False)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def log_gpu_state():
    logger.info("driver API %s, runtime %s", driver_version(), runtime_version())
    for gpu in gpu_inventory():
        logger.info("gpu: %s", gpu)
    if os.environ.get("SM_LOG_LEVEL") == "10":
        os.system("nvidia-smi -q -d CLOCK,POWER")
