import os

import torch


class Trainer:
    def __init__(self, max_epochs, checkpoint, optim):
        self.max_epochs = max_epochs
        self.save_dir = checkpoint["save_dir"]
        self.save_freq = checkpoint["save_freq"]
        self.model = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3), torch.nn.ReLU(), torch.nn.Conv2d(16, 1, 1))
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=optim["lr"])
        data = torch.utils.data.TensorDataset(torch.randn(64, 3, 64, 64), torch.rand(64, 1, 62, 62))
        self.loader = torch.utils.data.DataLoader(data, batch_size=8, shuffle=True)

    def run(self):
        for epoch in range(self.max_epochs):
            for images, masks in self.loader:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(self.model(images), masks)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            if epoch % self.save_freq == 0:
                torch.save({"model": self.model.state_dict(), "epoch": epoch},
                           os.path.join(self.save_dir, "checkpoint.pt"))
