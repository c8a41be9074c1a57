"""SIG002 where the handler hands the stop on: to the handler installed before it (Megatron's
telemetry handler chaining through `signal.getsignal`), through a getter every rank agrees on,
or to exit (an atexit function that only writes a trace saves nothing). Run through SIG002 as
its own examples are (the rule's module keeps its first examples)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

SILENT = (
    Example("""
import signal, sys, torch

stop = False

def request_stop(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, request_stop)
previous = signal.getsignal(signal.SIGTERM)

def flush_telemetry(signum, frame):
    tracer.flush()
    previous(signum, frame)

signal.signal(signal.SIGTERM, flush_telemetry)
for step in range(100_000):
    model(batch).backward()
    optimizer.step()
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "the telemetry handler hands the stop on to the one installed before it, whose flag the loop saves on"),
    Example("""
import signal, sys
import torch
import torch.distributed as dist

def all_gather_item(item):
    gathered = [torch.zeros(1) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, torch.tensor([float(item)]))
    return [bool(t.item()) for t in gathered]

class DistributedSignalHandler:
    def __init__(self):
        self._received = False
        signal.signal(signal.SIGTERM, self._handler)

    def _handler(self, signum, frame):
        self._received = True

    def signals_received(self):
        received = all_gather_item(self._received)
        return received

handler = DistributedSignalHandler()
for batch in loader:
    model(batch).backward()
    optimizer.step()
    if any(handler.signals_received()):
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "Megatron's handler: a getter returns the flag through a local every rank agrees on", name="flag-read-through-a-local"),
)

REPORTED = (
    Example("""
import atexit, json, signal, sys, torch

def dump_trace():
    with open("router_trace.jsonl", "w") as out:
        out.write(json.dumps(records))

def on_sigterm(signum, frame):
    sys.exit(0)

atexit.register(dump_trace)
# expect: SIG002
signal.signal(signal.SIGTERM, on_sigterm)
for step in range(100_000):
    model(batch).backward()
    optimizer.step()
    if step % 1000 == 0:
        torch.save(model.state_dict(), "ckpt.pt")
""", "the only atexit function writes a debug trace of its own: cleanup at exit, no checkpoint (Megatron's router tracer)"),
    Example("""
import signal, torch

previous = signal.getsignal(signal.SIGTERM)

def flush_telemetry(signum, frame):
    tracer.flush()
    previous(signum, frame)

# expect: SIG002
signal.signal(signal.SIGTERM, flush_telemetry)
for step in range(100_000):
    model(batch).backward()
    optimizer.step()
    if step % 1000 == 0:
        torch.save(model.state_dict(), "ckpt.pt")
""", "handed on to the handler installed before it, but none was: the default ends the process unsaved"),
)


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.why[:50])
def test_a_stop_handed_on_to_a_save_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG002", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.why[:50])
def test_a_stop_handed_on_to_nothing_is_reported(example, example_findings):
    found, marked = example_findings("SIG002", example)
    assert [line for path, line in found if path == example.name] == marked, example.why
