import os

import torch

from .utils import TimeoutHandler


def train_loop(model, optimizer, loader, epochs, workspace):
    with TimeoutHandler() as timeout_handler:
        interrupted = False
        for epoch in range(epochs):
            for images, target in loader:
                loss = torch.nn.functional.cross_entropy(model(images), target)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                if timeout_handler.interrupted:
                    interrupted = True
                    break
            torch.save({"state_dict": model.state_dict(), "epoch": epoch + 1},
                       os.path.join(workspace, "checkpoint.pth.tar"))
            if interrupted:
                break
