import torch
import torch.nn.functional as F


class ERM(torch.nn.Module):
    """Empirical risk minimisation: one batch from each training domain, pooled."""

    def __init__(self, num_classes):
        super().__init__()
        self.network = torch.nn.Linear(512, num_classes)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=5e-5)

    def update(self, minibatches):
        all_x = torch.cat([x for x, y in minibatches])
        all_y = torch.cat([y for x, y in minibatches])
        loss = F.cross_entropy(self.network(all_x), all_y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


class IRM(ERM):
    """Invariant risk minimisation: a penalty per domain."""

    def update(self, minibatches):
        nll = penalty = 0.0
        for i, (x, y) in enumerate(minibatches):
            logits = self.network(x)
            nll += F.cross_entropy(logits, y)
            penalty += logits.pow(2).mean()
        loss = (nll + 1e2 * penalty) / len(minibatches)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}


def accuracy(network, loader, device):
    correct = total = 0
    network.eval()
    with torch.no_grad():
        for x, y in loader:
            p = network(x.to(device))
            correct += (p.argmax(1) == y.to(device)).sum().item()
            total += len(x)
    network.train()
    return correct / total
