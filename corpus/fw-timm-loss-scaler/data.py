import os

import torch
from torchvision import datasets, transforms


def loader(split, batch_size, train):
    root = os.path.join(os.environ.get("SM_CHANNEL_TRAIN", "data"), split)
    size = transforms.RandomResizedCrop(224) if train else transforms.CenterCrop(224)
    dataset = datasets.ImageFolder(root, transforms.Compose([size, transforms.ToTensor()]))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=train, num_workers=4)
