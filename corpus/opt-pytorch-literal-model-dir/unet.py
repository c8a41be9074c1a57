import torch
import torch.nn as nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, in_channels=3, classes=1, width=32):
        super().__init__()
        self.down1, self.down2 = block(in_channels, width), block(width, width * 2)
        self.pool = nn.MaxPool2d(2)
        self.mid = block(width * 2, width * 4)
        self.up2, self.dec2 = nn.ConvTranspose2d(width * 4, width * 2, 2, stride=2), block(width * 4, width * 2)
        self.up1, self.dec1 = nn.ConvTranspose2d(width * 2, width, 2, stride=2), block(width * 2, width)
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(self.pool(d1))
        m = self.mid(self.pool(d2))
        u2 = self.dec2(torch.cat([self.up2(m), d2], 1))
        u1 = self.dec1(torch.cat([self.up1(u2), d1], 1))
        return self.head(u1)
