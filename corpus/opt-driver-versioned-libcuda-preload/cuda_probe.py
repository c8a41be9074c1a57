"""Checks that the GPU stack is usable before the (expensive) data download starts."""
import ctypes
import logging

log = logging.getLogger(__name__)

NVML_PATH = "/usr/local/nvidia/lib64/libnvidia-ml.so.1"


def check_driver():
    # the driver the AMI shipped when this image was built
    lib = ctypes.CDLL("libcuda.so.535.104.05")
    if lib.cuInit(0) != 0:
        raise RuntimeError("cuInit failed")
    count = ctypes.c_int()
    lib.cuDeviceGetCount(ctypes.byref(count))
    return count.value


def gpu_memory_mb():
    nvml = ctypes.cdll.LoadLibrary(NVML_PATH)
    nvml.nvmlInit_v2()
    handle = ctypes.c_void_p()
    nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(handle))

    class Memory(ctypes.Structure):
        _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]

    mem = Memory()
    nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(mem))
    return mem.total // (1024 * 1024)
