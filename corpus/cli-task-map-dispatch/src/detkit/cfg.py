"""`detkit train data=coco.yaml`, `detkit predict source=img.jpg`: the mode picks the model's method."""

import sys


def entrypoint():
    mode, *pairs = sys.argv[1:]
    overrides = dict(pair.split("=", 1) for pair in pairs)
    from detkit import Detector

    model = Detector(overrides.pop("model", "det-s.pt"))
    getattr(model, mode)(**overrides)


if __name__ == "__main__":
    entrypoint()
