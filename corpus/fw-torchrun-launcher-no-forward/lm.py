import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class TokenBlocks(Dataset):
    def __init__(self, path, block_size):
        self.tokens = np.memmap(path, dtype=np.uint16, mode="r")
        self.block_size = block_size

    def __len__(self):
        return (len(self.tokens) - 1) // self.block_size

    def __getitem__(self, i):
        chunk = torch.from_numpy(self.tokens[i * self.block_size: (i + 1) * self.block_size + 1].astype(np.int64))
        return chunk[:-1], chunk[1:]


class TinyGPT(nn.Module):
    def __init__(self, vocab, dim, layers, heads):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        block = nn.TransformerEncoderLayer(dim, heads, 4 * dim, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers)
        self.head = nn.Linear(dim, vocab)

    def forward(self, x, y):
        mask = nn.Transformer.generate_square_subsequent_mask(x.size(1), device=x.device)
        logits = self.head(self.blocks(self.embed(x), mask=mask, is_causal=True))
        return nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))


def build_model(cfg):
    return TinyGPT(cfg["vocab"], cfg["dim"], cfg["layers"], cfg["heads"])


def make_loader(cfg, rank, world):
    ds = TokenBlocks(cfg["data"], cfg["block_size"])
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank)
    return DataLoader(ds, batch_size=cfg["batch_size"], sampler=sampler, num_workers=4, drop_last=True)
