import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchaudio.datasets import SPEECHCOMMANDS

LABELS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


class _Subset(SPEECHCOMMANDS):
    def __init__(self, root, subset):
        super().__init__(root, download=True, subset=subset)
        self.keep = [i for i, path in enumerate(self._walker) if path.split("/")[-2] in LABELS]

    def __len__(self):
        return len(self.keep)

    def __getitem__(self, index):
        waveform, _, label, *_ = super().__getitem__(self.keep[index])
        waveform = F.pad(waveform, (0, 16000 - waveform.shape[-1]))
        return waveform, LABELS.index(label)


class SpeechCommandsDataModule(L.LightningDataModule):
    num_classes = len(LABELS)

    def __init__(self, data_dir, batch_size=128, num_workers=8):
        super().__init__()
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.num_workers = num_workers

    def prepare_data(self):
        SPEECHCOMMANDS(self.data_dir, download=True)

    def setup(self, stage=None):
        self.train_set = _Subset(self.data_dir, "training")
        self.val_set = _Subset(self.data_dir, "validation")
        self.test_set = _Subset(self.data_dir, "testing")

    def _loader(self, dataset, shuffle):
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=shuffle,
                          num_workers=self.num_workers, pin_memory=torch.cuda.is_available())

    def train_dataloader(self):
        return self._loader(self.train_set, True)

    def val_dataloader(self):
        return self._loader(self.val_set, False)

    def test_dataloader(self):
        return self._loader(self.test_set, False)
