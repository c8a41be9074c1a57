"""A runner that keeps its loop as configuration until training starts, as mmengine's does."""

import copy

from engine.loops import BaseLoop, EpochLoop, IterLoop


class Runner:
    def __init__(self, model, optimizer, train_dataloader, train_cfg=None, work_dir="work_dirs"):
        self.model = model
        self.optimizer = optimizer
        self.work_dir = work_dir
        self._train_dataloader = train_dataloader
        self._train_loop = train_cfg

    @property
    def train_loop(self):
        if isinstance(self._train_loop, BaseLoop) or self._train_loop is None:
            return self._train_loop
        self._train_loop = self.build_train_loop(self._train_loop)
        return self._train_loop

    @property
    def max_epochs(self):
        return self.train_loop.max_epochs

    def build_train_loop(self, loop):
        if isinstance(loop, BaseLoop):
            return loop
        loop_cfg = copy.deepcopy(loop)
        if loop_cfg.pop("by_epoch", True):
            loop = EpochLoop(self, self._train_dataloader, **loop_cfg)
        else:
            loop = IterLoop(self, self._train_dataloader, **loop_cfg)
        return loop

    def train(self):
        if self._train_loop is None:
            raise RuntimeError("train_cfg is needed to train")
        self._train_loop = self.build_train_loop(self._train_loop)
        print(f"training for {self.max_epochs} epochs")
        return self.train_loop.run()
