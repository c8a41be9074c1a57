import torch


def build_model():
    return torch.nn.Linear(80, 32)


def make_loader(split):
    return torch.utils.data.DataLoader(list(range(10)), batch_size=2)
