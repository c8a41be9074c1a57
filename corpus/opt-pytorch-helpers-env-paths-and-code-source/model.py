"""A small decoder-only transformer and a token dataset."""
import glob
import os

import numpy as np
import torch
import torch.nn as nn


class TokenDataset(torch.utils.data.Dataset):
    def __init__(self, folder, block=512):
        self.data = np.concatenate([np.load(f) for f in sorted(glob.glob(os.path.join(folder, "*.npy")))])
        self.block = block

    def __len__(self):
        return len(self.data) // self.block

    def __getitem__(self, i):
        return torch.from_numpy(self.data[i * self.block:(i + 1) * self.block].astype(np.int64))


class TinyGPT(nn.Module):
    def __init__(self, vocab=50257, dim=512, layers=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        block = nn.TransformerEncoderLayer(dim, 8, batch_first=True)
        self.body = nn.TransformerEncoder(block, layers)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens):
        logits = self.head(self.body(self.emb(tokens)))
        loss = nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1), tokens[:, 1:].flatten())
        return type("Out", (), {"loss": loss, "logits": logits})
