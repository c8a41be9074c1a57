import json

import torch


class JsonlDataset(torch.utils.data.Dataset):
    def __init__(self, path):
        with open(path) as handle:
            self.rows = [json.loads(line) for line in handle]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]


def load_dataset_from(path):
    return JsonlDataset(path)
