import torch
from torchvision import datasets, transforms


def build_dataloader(folder, batch_size):
    dataset = datasets.ImageFolder(folder, transform=transforms.ToTensor())
    sampler = torch.utils.data.DistributedSampler(dataset)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=8)
