"""Turns a termination signal into an exception the training code can catch."""
import signal


class Preempted(Exception):
    """Raised in the main thread when the scheduler asks the job to stop."""

    def __init__(self, signum):
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


def raise_preempted(signum, frame):
    raise Preempted(signum)


def install():
    """Install the handler and return the previous one so the caller can restore it."""
    return signal.signal(signal.Signals.SIGTERM, raise_preempted)
