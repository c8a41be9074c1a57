import torchvision
from torch.utils.data import DataLoader


def loaders(root="data", batch_size=128):
    transform = torchvision.transforms.ToTensor()
    train = torchvision.datasets.CIFAR10(root, train=True, download=True, transform=transform)
    test = torchvision.datasets.CIFAR10(root, train=False, download=True, transform=transform)
    return (DataLoader(train, batch_size=batch_size, shuffle=True, num_workers=4),
            DataLoader(test, batch_size=batch_size, num_workers=4))
