"""CIFAR-10 on spot instances: checkpoints every 500 steps and resumes from the last one."""
import argparse
import os

import torch
import torchvision
from pytorch_lightning import LightningModule, Trainer
from pytorch_lightning.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader


class LitResnet(LightningModule):
    def __init__(self, lr: float = 0.05):
        super().__init__()
        self.model = torchvision.models.resnet18(num_classes=10)
        self.lr = lr

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root_dir", required=True)
    parser.add_argument("--data_dir", default="./data")
    args = parser.parse_args()
    data = torchvision.datasets.CIFAR10(args.data_dir, train=True, download=True,
                                        transform=torchvision.transforms.ToTensor())
    last = os.path.join(args.root_dir, "last.ckpt")
    checkpoint = ModelCheckpoint(dirpath=args.root_dir, every_n_train_steps=500, save_last=True)
    trainer = Trainer(max_epochs=1000, gpus=1, progress_bar_refresh_rate=10, callbacks=[checkpoint],
                      default_root_dir=args.root_dir, resume_from_checkpoint=last if os.path.exists(last) else None)
    trainer.fit(LitResnet(), DataLoader(data, batch_size=256, shuffle=True, num_workers=4))


if __name__ == "__main__":
    main()
