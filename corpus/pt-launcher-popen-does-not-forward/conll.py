import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset


class ConllDataset(Dataset):
    def __init__(self, path):
        self.sentences = []
        words, labels = [], []
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    if words:
                        self.sentences.append((words, labels))
                    words, labels = [], []
                    continue
                parts = line.split()
                words.append(parts[0].lower())
                labels.append(parts[-1])
        self.vocab = {"<pad>": 0, "<unk>": 1}
        self.tags = {}
        for ws, ls in self.sentences:
            for w in ws:
                self.vocab.setdefault(w, len(self.vocab))
            for t in ls:
                self.tags.setdefault(t, len(self.tags))

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, i):
        ws, ls = self.sentences[i]
        return (torch.tensor([self.vocab.get(w, 1) for w in ws]),
                torch.tensor([self.tags[t] for t in ls]))


def pad_collate(batch):
    tokens, tags = zip(*batch)
    return pad_sequence(tokens, batch_first=True), pad_sequence(tags, batch_first=True, padding_value=-100)
