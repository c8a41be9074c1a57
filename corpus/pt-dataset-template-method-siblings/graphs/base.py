class Dataset:
    """Processes its raw files once, when it is made: `process` is each dataset's own."""

    def __init__(self, root):
        self.root = root
        self._process()

    def _process(self):
        self.process()

    def process(self):
        raise NotImplementedError


class InMemoryDataset(Dataset):
    def __init__(self, root):
        super().__init__(root)
        self.data = None
