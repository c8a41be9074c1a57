"""One epoch of training and one pass of evaluation, shared by main.py and evaluate.py."""

import math
import sys

import torch


def train_one_epoch(model, criterion, data_loader, optimizer, device, loss_scaler, max_norm=0.0):
    model.train()
    for images, targets in data_loader:
        images = images.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        with torch.autocast(device_type="cuda"):
            loss = criterion(model(images), targets)
        if not math.isfinite(loss.item()):
            sys.exit(f"loss is {loss.item()}, stopping")
        optimizer.zero_grad()
        # timm's NativeScaler runs the scaled backward pass, clips and steps the optimizer.
        loss_scaler(loss, optimizer, clip_grad=max_norm, parameters=model.parameters())


@torch.no_grad()
def evaluate(model, data_loader, device):
    criterion = torch.nn.CrossEntropyLoss()
    model.eval()
    correct = total = 0
    losses = []
    for images, targets in data_loader:
        images, targets = images.to(device), targets.to(device)
        output = model(images)
        losses.append(criterion(output, targets).item())
        correct += (output.argmax(dim=1) == targets).sum().item()
        total += targets.numel()
    return correct / max(total, 1), sum(losses) / max(len(losses), 1)
