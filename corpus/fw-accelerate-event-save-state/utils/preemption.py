"""Stop requests from the scheduler, delivered as a threading.Event the training loop polls."""

import signal
import threading

STOP_EVENT = threading.Event()


def _request_stop(signum, frame):
    STOP_EVENT.set()


def install_stop_handler():
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
