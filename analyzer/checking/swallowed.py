"""A library call that takes SIGTERM for itself and only notes it: `jax.distributed.initialize()`
installs JAX's preemption notifier, which keeps the signal from ending the process and waits for
the loop to ask (`reached_preemption_sync_point`). A run that never asks has no handler of its
own and trains on until SIGKILL: SIG001 says which call took the signal and what to do instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.entries import EntryFacts


def swallowed_by(analysis: "Analysis", entry: "EntryFacts") -> str:
    """`; jax.distributed.initialize() takes SIGTERM ...: <what to do>` where the run makes such
    a call (knowledge: a [[replaces-handler]] with `swallows`); empty where it makes none."""
    for func_id in sorted(entry.main):
        for event in analysis.functions[func_id].events:
            if not isinstance(event, ir.CallSite) or not entry.runs(func_id, event):
                continue
            for name in analysis.graph.qualnames(func_id, event):
                instead = next((e.option("swallows") for e in analysis.knowledge.handler_replacers.find(name)
                                if e.option("swallows")), None)
                if instead:
                    return f"; {name}() takes SIGTERM for itself and only notes it, for a check nothing makes: {instead}"
    return ""
