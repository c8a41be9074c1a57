"""U-Net style segmentation training; the checkpoint is written by a context manager."""
import argparse
import logging
import signal

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from ckpt import CheckpointOnExit
from segdata import SegmentationFolder

logger = logging.getLogger(__name__)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SmallUNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.down1, self.down2 = conv_block(3, 32), conv_block(32, 64)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.dec = conv_block(64, 32)
        self.head = nn.Conv2d(32, n_classes, 1)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(self.pool(d1))
        return self.head(self.dec(torch.cat([self.up(d2), d1], dim=1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--masks", required=True)
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--ckpt", default="/opt/ml/checkpoints/unet.pt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    signal.signal(signal.SIGTERM, _terminate)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    loader = DataLoader(SegmentationFolder(args.images, args.masks), batch_size=8, shuffle=True, num_workers=4)
    model = SmallUNet(args.classes).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=3)
    criterion = nn.CrossEntropyLoss()

    with CheckpointOnExit(args.ckpt, model, optimizer, scheduler) as guard:
        start_epoch = guard.restore()
        for epoch in range(start_epoch, args.epochs):
            epoch_loss = 0.0
            for step, (img, mask) in enumerate(loader):
                img, mask = img.to(device), mask.to(device)
                optimizer.zero_grad()
                loss = criterion(model(img), mask)
                loss.backward()
                optimizer.step()
                epoch_loss += loss.item()
                guard.update(epoch, step)
            scheduler.step(epoch_loss)
            guard.update(epoch + 1, 0)
            logger.info("epoch %d loss %.4f", epoch, epoch_loss / len(loader))


if __name__ == "__main__":
    main()
