"""SIG012 in a run that trains nothing (a robot's rollout): the loops before the first one that
checks the flag have nothing to lose, wherever that loop reads the flag from, here an Event
kept in a context object (lerobot's `ctx.runtime.shutdown_event.is_set()`; triage BO)."""

from __future__ import annotations

import pytest

HANDLER = """
import signal
from threading import Event


class ProcessSignalHandler:
    def __init__(self):
        self.shutdown_event = Event()
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum, frame):
        self.shutdown_event.set()
"""
ROLLOUT = """
import json
from dataclasses import dataclass
from threading import Event

from handler import ProcessSignalHandler


@dataclass
class Runtime:
    shutdown_event: Event


@dataclass
class Context:
    runtime: Runtime
    dataset: list


def compute_stats(dataset):
    total = 0.0
    for idx in range(len(dataset)):
        total += dataset[idx]
    return total / max(len(dataset), 1)


def record(ctx):
    frames = []
    while not ctx.runtime.shutdown_event.is_set():
        frames.append(len(frames))
AFTER
    with open("episode.json", "w") as f:
        json.dump(frames, f)


def main():
    shutdown_event = ProcessSignalHandler().shutdown_event
    dataset = list(range(1000))
    compute_stats(dataset)
    record(Context(runtime=Runtime(shutdown_event=shutdown_event), dataset=dataset))


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("after, codes", [
    ("", []),  # the stats pass comes before the recording: nothing to lose yet
    # once recording, a pass over the data that ignores the flag delays the save
    ("    for idx in range(len(ctx.dataset)):\n        frames.append(ctx.dataset[idx])", ["SIG012"]),
], ids=["before the polling loop", "after it"])
def test_loops_before_the_first_polling_loop_are_not_reported(run_sigcheck, after, codes):
    report = run_sigcheck({"rollout.py": ROLLOUT.replace("AFTER", after), "handler.py": HANDLER}, ["rollout.py"],
                          select=("SIG012",))
    assert [d.code for d in report.diagnostics] == codes
