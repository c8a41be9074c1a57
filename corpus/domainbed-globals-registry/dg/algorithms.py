import torch
import torch.nn.functional as F

ALGORITHMS = [
    "ERM",
    "IRM",
    "GroupDRO",
    "Mixup",
    "MLDG",
    "CORAL",
    "MMD",
    "DANN",
    "VREx",
    "RSC",
    "SagNet",
    "Fish",
]


def get_algorithm_class(algorithm_name):
    """Return the algorithm class with the given name."""
    if algorithm_name not in globals():
        raise NotImplementedError(f"Algorithm not found: {algorithm_name}")
    return globals()[algorithm_name]


class Algorithm(torch.nn.Module):
    """A subclass implements a domain generalisation algorithm."""

    def __init__(self, num_classes, hparams):
        super().__init__()
        self.hparams = hparams

    def update(self, minibatches):
        raise NotImplementedError


class ERM(Algorithm):
    def __init__(self, num_classes, hparams):
        super().__init__(num_classes, hparams)
        self.network = torch.nn.Linear(512, num_classes)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=hparams["lr"])

    def update(self, minibatches):
        x = torch.cat([x for x, y in minibatches])
        y = torch.cat([y for x, y in minibatches])
        loss = F.cross_entropy(self.network(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class IRM(ERM):
    """IRM: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class GroupDRO(ERM):
    """GroupDRO: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class Mixup(ERM):
    """Mixup: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class MLDG(ERM):
    """MLDG: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class CORAL(ERM):
    """CORAL: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class MMD(ERM):
    """MMD: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class DANN(ERM):
    """DANN: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class VREx(ERM):
    """VREx: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class RSC(ERM):
    """RSC: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class SagNet(ERM):
    """SagNet: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class Fish(ERM):
    """Fish: ERM with its own penalty."""

    def update(self, minibatches):
        penalty = sum(self.network(x).pow(2).mean() for x, y in minibatches)
        loss = penalty + sum(F.cross_entropy(self.network(x), y) for x, y in minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}
