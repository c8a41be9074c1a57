"""Graceful shutdown: checkpoint and exit on any termination signal."""
import functools
import signal
import sys

TERMINATION_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL)


def _graceful_exit(manager, signum):
    manager.save(tag=f"signal{signum}")
    sys.exit(128 + signum)


def install_shutdown_handlers(manager):
    handler = functools.partial(_graceful_exit, manager)
    for signum in TERMINATION_SIGNALS:
        signal.signal(signum, handler)
