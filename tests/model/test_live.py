"""What a call of a function can run: a branch on a flag parameter left at a false default is not."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.live import reach_live

CODE = """
import functools

def flush():
    pass

def stop(reason, sync=False, *, wait=None):
    if sync:
        flush()
    if wait:
        print(wait)
    print(reason)

def quiet():
    stop("quiet")

def loud():
    stop("loud", True)

def keyed():
    stop("keyed", wait=5)

def spread(options):
    stop("spread", **options)

def bound():
    functools.partial(stop, sync=True)("bound")
"""


def _dead_calls(a, sources):
    parents, dead = reach_live(a.graph, sources)
    fn = a.functions["train:stop"]
    return {e.func.name for e in fn.events if e.index in dead["train:stop"] and isinstance(e, ir.CallSite)}, parents


def test_a_branch_on_a_flag_the_call_leaves_false_does_not_run(analysis):
    a = analysis({"train.py": CODE}, every_function=True)
    dead, parents = _dead_calls(a, ["train:quiet"])
    assert dead == {"flush", "print"} and "train:flush" not in parents  # print(wait) too; print(reason) runs
    assert _dead_calls(a, ["train:keyed"])[0] == {"flush"}  # wait= passed: its branch runs


def test_a_flag_any_reaching_call_passes_keeps_its_branch(analysis):
    a = analysis({"train.py": CODE}, every_function=True)
    dead, parents = _dead_calls(a, ["train:quiet", "train:loud"])
    assert "flush" not in dead and "train:flush" in parents
    assert _dead_calls(a, ["train:spread"])[0] == set()  # `**options` may pass anything
    assert "flush" not in _dead_calls(a, ["train:bound"])[0]  # partial(stop, sync=True) passes the flag
