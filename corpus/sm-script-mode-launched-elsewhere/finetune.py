"""Fine-tunes the classifier head on a new channel; also launched by the infrastructure repository."""
import json
import os

import torch
import torchvision
from torch.utils.data import DataLoader

hyperparameters = json.loads(os.environ["SM_HPS"])
model = torchvision.models.resnet50()
model.fc = torch.nn.Linear(model.fc.in_features, hyperparameters.get("classes", 10))
optimizer = torch.optim.AdamW(model.fc.parameters(), lr=hyperparameters.get("lr", 1e-3))
data = torchvision.datasets.ImageFolder(os.environ["SM_CHANNEL_FINETUNE"], transform=torchvision.transforms.ToTensor())

for epoch in range(hyperparameters.get("epochs", 5)):
    for images, labels in DataLoader(data, batch_size=32, shuffle=True):
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
torch.save(model.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "model.pt"))
