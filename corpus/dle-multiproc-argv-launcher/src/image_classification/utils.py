import signal


class TimeoutHandler:
    """Sets a flag on SIGTERM; the training loop saves and leaves at the end of the step."""

    def __init__(self, sig=signal.SIGTERM):
        self.sig = sig
        self.interrupted = False

    def __enter__(self):
        self.interrupted = False
        self.original_handler = signal.getsignal(self.sig)

        def master_handler(signum, frame):
            self.release()
            self.interrupted = True

        signal.signal(self.sig, master_handler)
        return self

    def __exit__(self, type, value, tb):
        self.release()

    def release(self):
        signal.signal(self.sig, self.original_handler)
