import json
import os

import torch
import torchvision
from torchvision.io import read_image


class CocoDetection(torch.utils.data.Dataset):
    def __init__(self, root):
        with open(os.path.join(root, "annotations.json")) as f:
            self.ann = json.load(f)
        self.root = root

    def __len__(self):
        return len(self.ann["images"])

    def __getitem__(self, i):
        info = self.ann["images"][i]
        image = read_image(os.path.join(self.root, "images", info["file_name"])).float() / 255
        boxes = torch.tensor([a["bbox"] for a in self.ann["by_image"][str(info["id"])]], dtype=torch.float32)
        labels = torch.tensor([a["category_id"] for a in self.ann["by_image"][str(info["id"])]])
        return image, {"boxes": boxes, "labels": labels}


def collate(batch):
    return tuple(zip(*batch))


def build_detector(num_classes=91, trainable_layers=3):
    return torchvision.models.detection.fasterrcnn_resnet50_fpn(
        weights=None, num_classes=num_classes, trainable_backbone_layers=trainable_layers)
