"""A small convolutional classifier as a LightningModule: Lightning runs its steps."""

import torch
from lightning import LightningModule


class DigitClassifier(LightningModule):
    def __init__(self, lr: float = 1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.LazyLinear(10))

    def training_step(self, batch, batch_idx):
        images, labels = batch
        loss = torch.nn.functional.cross_entropy(self.net(images), labels)
        self.log("train/loss", loss)
        return loss

    def train_dataloader(self):
        from torchvision import datasets, transforms

        data = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
        return torch.utils.data.DataLoader(data, batch_size=64, shuffle=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
