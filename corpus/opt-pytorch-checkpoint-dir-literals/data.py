import os

import torch
import torchaudio


class KeywordDataset(torch.utils.data.Dataset):
    def __init__(self, root):
        self.items = []
        labels = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
        self.n_classes = len(labels)
        for idx, label in enumerate(labels):
            for name in sorted(os.listdir(os.path.join(root, label))):
                self.items.append((os.path.join(root, label, name), idx))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        wave, _ = torchaudio.load(path)
        return wave[:, :16000], label
