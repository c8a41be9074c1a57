"""SIG001 where training runs in child processes: a parent that passes SIGTERM on to children
that train with no handler of their own, and children that handle it or are told to stop by an
event. Run through SIG001 as its own examples are (the rule's module keeps its first examples)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

SILENT = (
    Example("""
import multiprocessing as mp
import signal, sys

def worker(rank):
    signal.signal(signal.SIGTERM, lambda signum, frame: save_and_exit())
    for epoch in range(100):
        loss = model(batch)
        loss.backward()
        optimizer.step()

if __name__ == "__main__":
    procs = [mp.Process(target=worker, args=(r,)) for r in range(2)]
    for p in procs:
        p.start()
    signal.signal(signal.SIGTERM, lambda signum, frame: [p.terminate() for p in procs])
    for p in procs:
        p.join()
""", "each child registers its own handler for the SIGTERM the parent passes on", name="children-with-handlers"),
    Example("""
import multiprocessing as mp
import signal

def worker(rank, stop):
    for epoch in range(100):
        if stop.is_set():
            break
        loss = model(batch)
        loss.backward()
        optimizer.step()
    save()

if __name__ == "__main__":
    stop = mp.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    procs = [mp.Process(target=worker, args=(r, stop)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
""", "the parent tells its children by an event they check, not by a signal: SIG002 judges the flag", name="children-told-by-event"),
    Example("""
import multiprocessing as mp
import signal

def worker(rank):
    for epoch in range(100):
        loss = model(batch)
        loss.backward()
        optimizer.step()

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda signum, frame: [p.terminate() for p in procs])
    procs = [mp.Process(target=worker, args=(r,)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
""", "registered before the start: a forked child has the parent's handler, so sigcheck cannot tell it has none",
            name="handler-before-the-start"),
)

REPORTED = (
    Example("""
import multiprocessing as mp
import signal

def worker(rank):
    # expect: SIG001
    for epoch in range(100):
        loss = model(batch)
        loss.backward()
        optimizer.step()

if __name__ == "__main__":
    procs = [mp.Process(target=worker, args=(r,)) for r in range(2)]
    for p in procs:
        p.start()
    signal.signal(signal.SIGTERM, lambda signum, frame: [p.terminate() for p in procs])
    for p in procs:
        p.join()
""", "the parent passes SIGTERM on to children that train with no handler: it ends them at once", name="signalled-children"),
)


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.name)
def test_children_that_handle_the_stop_are_not_reported(example, example_findings):
    found, _ = example_findings("SIG001", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.name)
def test_children_that_train_unprotected_are_reported(example, example_findings):
    found, marked = example_findings("SIG001", example)
    assert [line for path, line in found if path == example.name] == marked, example.why
