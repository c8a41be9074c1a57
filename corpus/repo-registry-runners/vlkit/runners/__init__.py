from vlkit.runners.runner_base import RunnerBase
from vlkit.runners.runner_iter import RunnerIter

__all__ = ["RunnerBase", "RunnerIter"]
