import torch
import torchvision
from pytorch_lightning import LightningDataModule
from torch.utils.data import DataLoader


def _collate(batch):
    return tuple(zip(*batch))


class DetectionData(LightningDataModule):
    def __init__(self, root: str):
        super().__init__()
        self.root = root

    def train_dataloader(self):
        data = torchvision.datasets.CocoDetection(f"{self.root}/train2017", f"{self.root}/annotations/train.json",
                                                  transform=torchvision.transforms.ToTensor())
        return DataLoader(data, batch_size=4, shuffle=True, num_workers=4, collate_fn=_collate)

    def val_dataloader(self):
        data = torchvision.datasets.CocoDetection(f"{self.root}/val2017", f"{self.root}/annotations/val.json",
                                                  transform=torchvision.transforms.ToTensor())
        return DataLoader(data, batch_size=4, num_workers=4, collate_fn=_collate)
