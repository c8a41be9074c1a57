import torch

from graphs.base import InMemoryDataset


class PretrainedEmbeddings(InMemoryDataset):
    """Fits node embeddings while it is processed: a dataset users make, never this project."""

    def __init__(self, root, dim=64):
        self.dim = dim
        super(PretrainedEmbeddings, self).__init__(root)

    def process(self):
        embedding = torch.nn.Embedding(10_000, self.dim)
        optimizer = torch.optim.Adam(embedding.parameters(), lr=0.01)
        for step in range(100_000):
            loss = embedding(torch.randint(0, 10_000, (256,))).pow(2).mean()
            loss.backward()
            optimizer.step()
        torch.save(embedding.state_dict(), f"{self.root}/embeddings.pt")
