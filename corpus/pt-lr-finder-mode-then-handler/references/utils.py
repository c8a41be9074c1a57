"""Helpers shared by the reference trainers."""

import torch


def record_lr(model, train_loader, optimizer, start_lr=1e-7, end_lr=1.0, num_it=100):
    """Learning-rate range test: raise the LR each step and record the loss; nothing is kept."""
    gamma = (end_lr / start_lr) ** (1 / (num_it - 1))
    for group in optimizer.param_groups:
        group["lr"] = start_lr
    lrs, losses = [], []
    for index, (images, targets) in enumerate(train_loader):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images), targets)
        loss.backward()
        optimizer.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        losses.append(loss.item())
        for group in optimizer.param_groups:
            group["lr"] *= gamma
        if index + 1 == num_it:
            break
    return lrs, losses


def plot_recorder(lrs, losses):
    for lr, loss in zip(lrs, losses):
        print(f"{lr:.2e}\t{loss:.4f}")
