import glob
import os
import signal

import torch
import torchaudio
from torch.utils.data import DataLoader, Dataset


class KeywordClips(Dataset):
    """One-second 16 kHz clips stored as <root>/<label>/<file>.wav."""

    def __init__(self, root, labels, n_mels=64):
        self.files = sorted(glob.glob(os.path.join(root, "*", "*.wav")))
        self.label_index = {lab: i for i, lab in enumerate(labels)}
        self.melspec = torchaudio.transforms.MelSpectrogram(16000, n_mels=n_mels)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, idx):
        path = self.files[idx]
        label = self.label_index[os.path.basename(os.path.dirname(path))]
        wav, _ = torchaudio.load(path)
        wav = torch.nn.functional.pad(wav, (0, max(0, 16000 - wav.shape[-1])))[..., :16000]
        return self.melspec(wav).log1p(), label


def build_dataloaders(cfg):
    # Workers are forked from this process; make sure they do not inherit a
    # custom SIGTERM disposition so they die together with the job.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    train = KeywordClips(os.path.join(cfg.data, "train"), cfg.labels)
    val = KeywordClips(os.path.join(cfg.data, "val"), cfg.labels)
    return (
        DataLoader(train, batch_size=cfg.batch_size, shuffle=True, num_workers=cfg.workers, persistent_workers=True),
        DataLoader(val, batch_size=cfg.batch_size, num_workers=cfg.workers),
    )
