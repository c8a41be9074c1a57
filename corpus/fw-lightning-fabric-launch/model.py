"""The model and the token stream (kept apart from the launcher)."""

import torch
from torch import nn


class GPT(nn.Module):
    def __init__(self, n_layer: int, n_embd: int, vocab: int = 50304) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, n_embd)
        layer = nn.TransformerEncoderLayer(n_embd, nhead=12, batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layer)
        self.head = nn.Linear(n_embd, vocab)

    def forward(self, tokens):
        return self.head(self.blocks(self.embed(tokens)))


def batches(fabric, batch_size: int = 8, length: int = 1024):
    while True:
        tokens = torch.randint(0, 50304, (batch_size, length + 1), device=fabric.device)
        yield tokens[:, :-1], tokens[:, 1:]
