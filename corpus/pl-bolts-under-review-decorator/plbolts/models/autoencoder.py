from argparse import ArgumentParser

import torch
from pytorch_lightning import LightningModule, Trainer, seed_everything

from plbolts.models.components import make_encoder
from plbolts.utils.stability import under_review


class AE(LightningModule):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.encoder = make_encoder([3, 32, 64, 128])
        self.decoder = torch.nn.Conv2d(128, 3, 1)
        self.lr = lr

    def training_step(self, batch, batch_idx):
        x, _ = batch
        return torch.nn.functional.mse_loss(self.decoder(self.encoder(x)), x)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


@under_review()
def cli_main(args=None):
    from torchvision.datasets import CIFAR10
    from torchvision.transforms import ToTensor

    seed_everything(1234)
    parser = ArgumentParser()
    parser = Trainer.add_argparse_args(parser)
    args = parser.parse_args(args)
    loader = torch.utils.data.DataLoader(CIFAR10(".", download=True, transform=ToTensor()), batch_size=64)
    trainer = Trainer.from_argparse_args(args)
    trainer.fit(AE(), loader)


if __name__ == "__main__":
    cli_main()
