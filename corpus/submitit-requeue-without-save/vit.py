import torch
from torch.utils.data import DataLoader, DistributedSampler
from torchvision import datasets, transforms


class MaskedViT(torch.nn.Module):
    def __init__(self, width=384):
        super().__init__()
        self.encoder = torch.nn.Linear(3 * 224 * 224, width)
        self.decoder = torch.nn.Linear(width, 3 * 224 * 224)

    def forward(self, images):
        flat = images.flatten(1)
        return torch.nn.functional.mse_loss(self.decoder(self.encoder(flat)), flat)


def build_model():
    return MaskedViT()


def build_loader(args):
    data = datasets.ImageFolder("/datasets/imagenet/train", transform=transforms.ToTensor())
    return DataLoader(data, batch_size=64, sampler=DistributedSampler(data), num_workers=10, drop_last=True)
