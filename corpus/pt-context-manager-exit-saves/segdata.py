import os

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset


class SegmentationFolder(Dataset):
    def __init__(self, image_dir, mask_dir):
        self.image_dir, self.mask_dir = image_dir, mask_dir
        self.names = sorted(os.listdir(image_dir))

    def __len__(self):
        return len(self.names)

    def __getitem__(self, i):
        name = self.names[i]
        img = np.asarray(Image.open(os.path.join(self.image_dir, name)).convert("RGB"), dtype=np.float32) / 255.0
        mask = np.asarray(Image.open(os.path.join(self.mask_dir, name)), dtype=np.int64)
        return torch.from_numpy(img).permute(2, 0, 1), torch.from_numpy(mask)
