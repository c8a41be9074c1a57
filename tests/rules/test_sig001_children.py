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


_SPAWNED = """
import os
import signal
import sys

import torch


def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "checkpoint.pth")
    sys.exit(0)


model = torch.nn.Linear(2, 2)
{module_level}

def main_worker(gpu, args):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(100):
        model(torch.randn(4, 2)).sum().backward()
        optimizer.step()


def main():
    {in_main}
    torch.multiprocessing.spawn(main_worker, (None,), 2{start})


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("module_level, in_main, start, codes", [
    ("", "signal.signal(signal.SIGTERM, on_sigterm)", "", ["SIG001"]),
    ("", "signal.signal(signal.SIGTERM, on_sigterm)", ", start_method='fork'", []),
    ("signal.signal(signal.SIGTERM, on_sigterm)", "pass", "", []),
], ids=["registered in main(): a spawned child has none", "forked: the child has it",
        "registered by module code the child's import runs again"])
def test_a_spawned_child_has_only_the_handlers_its_import_registers(run_sigcheck, module_level, in_main, start, codes):
    """barlowtwins registers its handler in main(), then torch.multiprocessing.spawn starts fresh
    interpreters (start_method="spawn"): under Slurm every worker gets SIGTERM and has no handler (triage CM)."""
    code = _SPAWNED.format(module_level=module_level, in_main=in_main, start=start)
    report = run_sigcheck({"main.py": code}, ["main.py"], platform="slurm", select=("SIG001",))
    assert [d.code for d in report.diagnostics] == codes


_PROCESS = """
import multiprocessing as mp
import signal
import sys

import torch


def on_term(signum, frame):
    sys.exit(0)


def worker(rank):
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(1000):
        model(torch.randn(4, 2)).sum().backward()
        optimizer.step()


def main():
    signal.signal(signal.SIGTERM, on_term)
    MAKE
    process = ctx.Process(target=worker, args=(0,))
    process.start()
    process.join()


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("make, codes", [
    ('ctx = mp.get_context("spawn")', ["SIG001"]),
    ('mp.set_start_method("spawn")\n    ctx = mp', ["SIG001"]),
    ('ctx = mp.get_context("fork")', []),
    ("ctx = mp", []),
], ids=["a spawn context", "the spawn method set", "a fork context", "the default, fork"])
def test_a_process_started_by_the_spawn_method_has_no_handler_of_the_parents(run_sigcheck, make, codes):
    """vicreg's evaluate.py (triage CP): a handler main() registers is no handler of a child that
    the spawn start method starts afresh; a forked child keeps it."""
    report = run_sigcheck({"main.py": _PROCESS.replace("MAKE", make)}, ["main.py"], platform="slurm", select=("SIG001",))
    assert [d.code for d in report.diagnostics] == codes
