import torch


class BasePredictor:
    def __init__(self, overrides):
        self.model = torch.jit.load(overrides.get("model", "det-s.torchscript"))

    def __call__(self, source):
        with torch.no_grad():
            return [self.model(image) for image in self.stream(source)]

    def stream(self, source):
        yield torch.load(source)
