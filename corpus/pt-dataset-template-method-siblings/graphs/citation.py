import torch

from graphs.base import InMemoryDataset


class Citation(InMemoryDataset):
    def __init__(self, root):
        super().__init__(root)

    def process(self):
        self.features = torch.load(f"{self.root}/features.pt")
