from torch import nn

from plbolts.utils.stability import under_review


@under_review()
def encoder_block(in_planes, planes):
    return nn.Sequential(nn.Conv2d(in_planes, planes, 3, padding=1), nn.BatchNorm2d(planes), nn.ReLU())


def make_encoder(widths):
    layers = []
    for in_planes, planes in zip(widths, widths[1:]):  # builds the network once
        layers.append(encoder_block(in_planes, planes))
    return nn.Sequential(*layers)
