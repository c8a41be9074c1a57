import lightning as L
import torch
import torchvision
from torch.utils.data import DataLoader, random_split


class ImageFolderData(L.LightningDataModule):
    def __init__(self, root, batch_size=64):
        super().__init__()
        self.root = root
        self.batch_size = batch_size
        self.num_classes = len(torchvision.datasets.ImageFolder(root).classes)

    def setup(self, stage=None):
        transform = torchvision.transforms.Compose([
            torchvision.transforms.Resize(224), torchvision.transforms.CenterCrop(224),
            torchvision.transforms.ToTensor(),
        ])
        images = torchvision.datasets.ImageFolder(self.root, transform=transform)
        held_out = len(images) // 10
        self.train_set, self.val_set = random_split(images, [len(images) - held_out, held_out])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, num_workers=4)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size, num_workers=4)


class ImageClassifier(L.LightningModule):
    def __init__(self, num_classes, lr=1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.net = torchvision.models.resnet18(weights="DEFAULT")
        self.net.fc = torch.nn.Linear(self.net.fc.in_features, num_classes)

    def training_step(self, batch, index):
        images, labels = batch
        loss = torch.nn.functional.cross_entropy(self.net(images), labels)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, index):
        images, labels = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self.net(images), labels))

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
