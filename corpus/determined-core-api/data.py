from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def load_mnist(batch_size: int) -> DataLoader:
    dataset = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
    return DataLoader(dataset, batch_size=batch_size, shuffle=True)
