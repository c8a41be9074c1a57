"""Runs a job function with timing and logging around it; shared by every script in the repository."""

import logging
import time

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, job, name: str) -> None:
        self.job = job
        self.name = name

    def run(self, *args, **kwargs):
        started = time.monotonic()
        log.info("starting %s", self.name)
        result = self.job(*args, **kwargs)
        log.info("%s done in %.1f s", self.name, time.monotonic() - started)
        return result
