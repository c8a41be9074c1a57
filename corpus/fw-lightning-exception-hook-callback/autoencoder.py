import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset


class LatentData(pl.LightningDataModule):
    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(50_000, 3, 64, 64)), batch_size=32, shuffle=True)


class Autoencoder(pl.LightningModule):
    def __init__(self, channels=64):
        super().__init__()
        self.encoder = torch.nn.Conv2d(3, channels, 4, stride=2, padding=1)
        self.decoder = torch.nn.ConvTranspose2d(channels, 3, 4, stride=2, padding=1)

    def training_step(self, batch, index):
        (images,) = batch
        loss = torch.nn.functional.mse_loss(self.decoder(self.encoder(images)), images)
        self.log("loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=4.5e-6)
