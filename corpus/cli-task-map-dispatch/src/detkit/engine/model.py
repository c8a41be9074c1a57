import torch


class Model:
    def __init__(self, weights, task=None):
        self.weights = weights
        self.task = task or torch.load(weights, map_location="cpu")["task"]
        self.trainer = None
        self.predictor = None

    @property
    def task_map(self):
        raise NotImplementedError("a model family names its classes by task")

    def _smart_load(self, key):
        # one table per task, one class per role in it
        return self.task_map[self.task][key]

    def train(self, **overrides):
        self.trainer = self._smart_load("trainer")(overrides)
        self.trainer.train()
        return self.trainer.best

    def predict(self, source=None, **overrides):
        if self.predictor is None:
            self.predictor = self._smart_load("predictor")(overrides)
        return self.predictor(source)

    def val(self, **overrides):
        validator = self._smart_load("validator")(overrides)
        return validator(self.weights)
