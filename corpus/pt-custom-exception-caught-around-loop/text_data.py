from collections import Counter

import torch
from torch.utils.data import Dataset


def tokenize(text):
    return text.lower().split()


class ReviewDataset(Dataset):
    def __init__(self, df, min_freq=2):
        self.texts = df["text"].tolist()
        self.labels = df["label"].astype(int).tolist()
        counts = Counter(tok for text in self.texts for tok in tokenize(text))
        self.vocab = {"<unk>": 0}
        for tok, n in counts.items():
            if n >= min_freq:
                self.vocab[tok] = len(self.vocab)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, i):
        ids = [self.vocab.get(t, 0) for t in tokenize(self.texts[i])] or [0]
        return self.labels[i], torch.tensor(ids, dtype=torch.long)


def collate_batch(batch):
    labels, token_lists = zip(*batch)
    offsets = torch.tensor([0] + [len(t) for t in token_lists[:-1]]).cumsum(dim=0)
    return torch.tensor(labels), torch.cat(token_lists), offsets
