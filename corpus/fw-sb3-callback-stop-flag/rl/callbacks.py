"""Callbacks the PPO run is given."""

import signal

from stable_baselines3.common.callbacks import BaseCallback


class StopOnSigterm(BaseCallback):
    """Kubernetes sends SIGTERM when the pod is evicted: learn() must return so the policy is saved.

    SB3 calls _on_step after every environment step; returning False ends learn().
    """

    def __init__(self, verbose: int = 0):
        super().__init__(verbose)
        self.requested = False
        signal.signal(signal.SIGTERM, self._request_stop)

    def _request_stop(self, signum, frame):
        self.requested = True

    def _on_step(self) -> bool:
        if self.requested and self.verbose:
            print(f"SIGTERM at step {self.num_timesteps}: stopping")
        return not self.requested
