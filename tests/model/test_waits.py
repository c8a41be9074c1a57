"""How long a sleep can hold up the function it is in, counting the loops around it."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.model import ir

WAITS = """
import time

def once():
    time.sleep(0.5)

def retries(attempts=3):
    for attempt in range(attempts):
        time.sleep(1 + attempt)

def until_the_clock(deadline):
    while time.monotonic() < deadline:
        time.sleep(0.05)

def breaks_on_the_clock(deadline):
    while True:
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)

def while_children_live(live, deadline):
    while live:
        live = [pid for pid in live if alive(pid)]
        if not live or time.monotonic() >= deadline:
            break
        time.sleep(0.05)

def until_the_child_exits(child):
    while child.poll() is None:
        time.sleep(0.1)

def once_per_child(children):
    for child in children:
        time.sleep(1)

def as_long_as_asked(seconds):
    time.sleep(seconds)

def backs_off(attempts=3):
    for attempt in range(attempts):
        time.sleep(0.05 * (attempt + 1))

def doubles(attempts=4):
    for attempt in range(1, attempts):
        time.sleep(2 ** attempt)

def doubles_past_counting():
    for attempt in range(900):
        time.sleep(10 ** attempt)

def backs_off_annotated(attempts: int = 3):
    for attempt in range(attempts):
        time.sleep(0.05 * (attempt + 1))

def scaled_by_an_unknown(factor):
    for attempt in range(3):
        time.sleep(factor * attempt)
"""


@pytest.mark.parametrize(("function", "longest"), [
    ("once", 0.5),
    ("retries", 3 * (1 + 2)),  # each round counted at the longest round's length
    ("until_the_clock", 0.05),
    ("breaks_on_the_clock", 0.1),
    ("while_children_live", 0.05),
    ("until_the_child_exits", None),
    ("once_per_child", None),
    ("as_long_as_asked", None),
    ("backs_off", pytest.approx(3 * 0.15)),  # unsloth's retries: a product with the round
    ("doubles", 3 * 2 ** 3),  # rounds 1 to 3: a power of the round
    ("doubles_past_counting", None),  # 10 ** 899 overflows a float: no length known
    ("backs_off_annotated", pytest.approx(3 * 0.15)),  # the annotation adds an int beside the default
    ("scaled_by_an_unknown", None),
])
def test_the_longest_a_sleep_can_wait(analysis, function, longest):
    a = analysis({"train.py": textwrap.dedent(WAITS)})
    fn = a.functions[f"train:{function}"]
    [sleep] = [e for e in fn.events if isinstance(e, ir.CallSite) and isinstance(e.func, ir.Attr) and e.func.attr == "sleep"]
    assert a.waits.longest(fn, sleep, sleep.args[0]) == longest
