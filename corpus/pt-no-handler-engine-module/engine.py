import math

import torch
from torch.cuda.amp import GradScaler, autocast


def train_one_epoch(model, loader, optimizer, scheduler, scaler: GradScaler, device, log_every=50):
    model.train()
    running = 0.0
    for i, (images, targets) in enumerate(loader):
        images, targets = images.to(device), targets.to(device)
        with autocast():
            loss = torch.nn.functional.cross_entropy(model(images), targets, label_smoothing=0.1)
        if not math.isfinite(loss.item()):
            raise RuntimeError(f"loss is {loss.item()}, stopping")
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        running += loss.item()
        if i % log_every == 0:
            print(f"  iter {i}/{len(loader)} loss {loss.item():.4f}")
    return running / len(loader)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    for images, targets in loader:
        preds = model(images.to(device)).argmax(1)
        correct += (preds == targets.to(device)).sum().item()
        total += targets.numel()
    return correct / total
