import torch
from pytorch_lightning import LightningDataModule, LightningModule
from pytorch_lightning.cli import LightningCLI
from torch.utils.data import DataLoader, TensorDataset


class MoCo(LightningModule):
    def __init__(self, emb_dim: int = 128, learning_rate: float = 0.03):
        super().__init__()
        self.save_hyperparameters()
        self.encoder = torch.nn.Linear(3 * 32 * 32, emb_dim)

    def training_step(self, batch, batch_idx):
        (view_1, view_2), _ = batch
        q = self.encoder(view_1.flatten(1))
        k = self.encoder(view_2.flatten(1)).detach()
        return torch.nn.functional.cross_entropy(q @ k.T, torch.arange(len(q), device=q.device))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.learning_rate, momentum=0.9)


class ContrastiveCIFAR10(LightningDataModule):
    def __init__(self, batch_size: int = 256):
        super().__init__()
        self.batch_size = batch_size

    def train_dataloader(self):
        views = TensorDataset(torch.randn(1024, 3, 32, 32), torch.randn(1024, 3, 32, 32))
        return DataLoader(views, batch_size=self.batch_size)


def cli_main():
    LightningCLI(MoCo, ContrastiveCIFAR10, seed_everything_default=42)


if __name__ == "__main__":
    cli_main()
