import signal

import torch


def all_gather_item(item, dtype, group=None):
    if not torch.distributed.is_available() or not torch.distributed.is_initialized():
        return [item]
    tensor = torch.tensor([item], device="cuda", dtype=dtype)
    output = [torch.zeros_like(tensor) for _ in range(torch.distributed.get_world_size(group))]
    torch.distributed.all_gather(output, tensor, group, async_op=False)
    return [elem.item() for elem in output]


class DistributedSignalHandler:
    """Records that the signal arrived; the training loop agrees on it across ranks and saves."""

    def __init__(self, sig: signal.Signals = signal.SIGTERM):
        self.sig = sig

    def signals_received(self):
        return all_gather_item(self._signal_received, dtype=torch.int32)

    def __enter__(self):
        self._signal_received = False
        self.released = False
        self.original_handler = signal.getsignal(self.sig)

        def handler(signum, frame):
            self._signal_received = True

        signal.signal(self.sig, handler)
        return self

    def __exit__(self, type, value, tb):
        self.release()

    def release(self):
        if self.released:
            return False
        signal.signal(self.sig, self.original_handler)
        self.released = True
        return True
