from vlkit.common.registry import registry
from vlkit.runners.runner_base import RunnerBase


@registry.register_runner("runner_iter")
class RunnerIter(RunnerBase):
    """Counts iterations instead of epochs: for datasets too large to go through whole."""

    def train(self):
        start = 0
        max_iters = self.cfg.get("max_iters", 10_000)
        iters_per_inner_epoch = self.cfg.get("iters_per_inner_epoch", 1_000)
        while start < max_iters:
            self.train_epoch(start // iters_per_inner_epoch)
            start += iters_per_inner_epoch
            self.save_checkpoint(start)
