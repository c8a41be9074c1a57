import torch
import torchvision
from pytorch_lightning import LightningModule


class DetectionModule(LightningModule):
    def __init__(self, lr: float):
        super().__init__()
        self.model = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None, num_classes=91)
        self.lr = lr

    def training_step(self, batch, batch_idx):
        images, targets = batch
        losses = self.model(images, targets)
        loss = sum(losses.values())
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        images, _ = batch
        return self.model(images)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9, weight_decay=1e-4)
