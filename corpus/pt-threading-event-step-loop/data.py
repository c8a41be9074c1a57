import glob
import os

import numpy as np
import torch
from torch.utils.data import IterableDataset


class TokenShardDataset(IterableDataset):
    """Streams random windows from uint16 token shards written by prepare.py."""

    def __init__(self, root, split, block_size):
        self.files = sorted(glob.glob(os.path.join(root, f"{split}_*.bin")))
        self.block_size = block_size

    def __iter__(self):
        rng = np.random.default_rng()
        while True:
            data = np.memmap(self.files[rng.integers(len(self.files))], dtype=np.uint16, mode="r")
            i = rng.integers(len(data) - self.block_size - 1)
            chunk = torch.from_numpy(data[i:i + self.block_size + 1].astype(np.int64))
            yield chunk[:-1], chunk[1:]
