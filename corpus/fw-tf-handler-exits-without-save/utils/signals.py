"""Process-level signal setup shared by our training scripts."""

import logging
import signal
import sys

log = logging.getLogger(__name__)


def install_sigterm_handler(job_name):
    """Exit cleanly on SIGTERM so the scheduler sees a normal shutdown."""

    def _handler(signum, frame):
        log.warning("%s: received signal %d, shutting down", job_name, signum)
        sys.exit(143)

    signal.signal(signal.SIGTERM, _handler)
