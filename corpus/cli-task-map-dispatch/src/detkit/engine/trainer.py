import torch


class BaseTrainer:
    def __init__(self, overrides):
        self.epochs = int(overrides.get("epochs", 100))
        self.model = self.build_model()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.best = "runs/train/best.pt"

    def build_model(self):
        raise NotImplementedError

    def batches(self):
        raise NotImplementedError

    def train(self):
        for epoch in range(self.epochs):
            for images, targets in self.batches():
                loss = self.model(images, targets)
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
            torch.save({"epoch": epoch, "model": self.model.state_dict()}, "runs/train/last.pt")
