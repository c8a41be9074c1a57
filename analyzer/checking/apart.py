"""Rules run in a process of their own, beside the others.

The whole-program part runs in one process while the second CPU idles. Its rules fall in two
groups that share little past the call graph: OPT001, which tracks the value of every string the
code spells out, in every function (about half of the rule time on a large package), and the
rest, which judge what runs (entry points, handlers, containers, writes, driver loads). The
argument flow and the call graph, which both groups need, are built first; a forked child then
runs the first group while the parent runs the second, and sends its findings back pickled; they
are taken in rule order, so the report is the same as from one process. Where fork is missing or
unsafe (threads: the language server), or the child fails, the rules run here.
"""

from __future__ import annotations

import os
import pickle
import threading
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.rule import Finding, Rule

Checked = Callable[["Rule"], list["Finding"]]


def can_fork() -> bool:
    """A fork copies only the calling thread: with others alive, a lock one holds stays held."""
    return hasattr(os, "fork") and threading.active_count() == 1


def findings_by_rule(rules: list["Rule"], analysis: "Analysis", apart: bool) -> list[list["Finding"]]:
    """Each rule's findings, in the order of `rules`; with `apart`, the rules that ask for it
    run in a forked child while this process runs the others."""
    away = [rule for rule in rules if rule.runs_apart] if apart and can_fork() else []
    if not away or len(away) == len(rules):
        return [list(rule.check(analysis)) for rule in rules]
    analysis.graph  # built once, here: the child inherits it (each process building its own cost as much)
    child, reading = _started(away, analysis)
    here = {id(rule): list(rule.check(analysis)) for rule in rules if not rule.runs_apart}
    there = _collected(child, reading)
    if there is None:  # the child failed: its rules run here, and a bug among them shows as it would
        there = [list(rule.check(analysis)) for rule in away]
    here.update(zip(map(id, away), there))
    return [here[id(rule)] for rule in rules]


def _started(rules: list["Rule"], analysis: "Analysis") -> tuple[int, int]:
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: run, send, and leave without the interpreter's teardown
        os.close(reading)
        try:
            payload = pickle.dumps([list(rule.check(analysis)) for rule in rules], protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # reported by the parent's own run of these rules
            payload = b""
        try:
            with os.fdopen(writing, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(writing)
    return child, reading


def _collected(child: int, reading: int) -> list[list["Finding"]] | None:
    """The child's findings, read before waiting for it (it cannot end while the pipe is full)."""
    with os.fdopen(reading, "rb") as source:
        payload = source.read()
    os.waitpid(child, 0)
    if not payload:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # a payload cut short: the child died while writing
        return None
