import torch

from vlkit.common.registry import registry


@registry.register_task("captioning")
class CaptionTask:
    def train_epoch(self, epoch, model, data_loader, optimizer):
        for samples in data_loader:
            loss = model(samples)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    @torch.no_grad()
    def evaluation(self, model, data_loader):
        return [model.generate(samples) for samples in data_loader]
