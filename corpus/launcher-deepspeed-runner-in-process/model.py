import torch


class TinyLM(torch.nn.Module):
    def __init__(self, vocab=32000, width=512):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, width)
        self.out = torch.nn.Linear(width, vocab)

    def forward(self, tokens):
        return self.out(self.embed(tokens))


def batches(vocab=32000):
    while True:
        tokens = torch.randint(0, vocab, (8, 128))
        yield tokens, tokens
