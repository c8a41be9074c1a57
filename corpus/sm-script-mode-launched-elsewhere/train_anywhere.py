"""The same training for the workstation and the cluster too: every SageMaker location has a
fallback, and the handler saves where a stop is delivered to the script."""
import os
import signal
import sys

import torch
import torchvision
from torch.utils.data import DataLoader

model_dir = os.environ.get("SM_MODEL_DIR", "model")
train_dir = os.environ.get("SM_CHANNEL_TRAINING", "data/train")
model = torchvision.models.resnet18()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def save_and_exit(signum, frame):
    torch.save(model.state_dict(), os.path.join(model_dir, "interrupted.pt"))
    sys.exit(0)


signal.signal(signal.SIGTERM, save_and_exit)
data = torchvision.datasets.ImageFolder(train_dir, transform=torchvision.transforms.ToTensor())
for epoch in range(30):
    for images, labels in DataLoader(data, batch_size=64, shuffle=True):
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
