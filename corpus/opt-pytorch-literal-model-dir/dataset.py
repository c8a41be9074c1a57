import glob
import os

import numpy as np
import torch


class TileDataset(torch.utils.data.Dataset):
    def __init__(self, folder):
        self.tiles = sorted(glob.glob(os.path.join(folder, "tiles", "*.npy")))
        self.masks = sorted(glob.glob(os.path.join(folder, "masks", "*.npy")))

    def __len__(self):
        return len(self.tiles)

    def __getitem__(self, i):
        return (torch.from_numpy(np.load(self.tiles[i])).float(),
                torch.from_numpy(np.load(self.masks[i])).float())
