"""The launcher a script's own code says starts it, where no launch of it is written down: the
environment variables it sets (torchrun's LOCAL_RANK) or the option it passes (`--local_rank`),
read by a function the run goes through. EntryFacts.launcher_deadline takes these last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.checking.entries import Deadline
from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD
from sigcheck.model.environment import CONSULTED, NEEDED, branched_around, reads_environment, takes_option

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis


def launcher_hints(analysis: "Analysis") -> list[tuple[Deadline, frozenset[str], tuple[list[str], list[str]]]]:
    """For each launcher with a shorter deadline: the functions that run one naming any of its
    environment variables or declaring the option it passes (`--local_rank`), in a module
    that imports no library whose launcher passes them too (deepspeed); not for a run that
    imports another framework (`hints-not-for-runs-of`: TensorFlow, Horovod) and none of the
    launcher's own (`hints-library`: torch). The function itself
    must name it: importing a module where some other function reads LOCAL_RANK says nothing
    about how this program is started. A script that only consults it
    (`os.environ.get("LOCAL_RANK", -1)`) runs with or without the launcher: its deadline
    holds only if the launcher starts it, and says so."""
    found = []
    for entry in analysis.knowledge.frameworks:
        hints, options = frozenset(entry.option("env-hints", [])), frozenset(entry.option("option-hints", []))
        if not entry.option("deadline") or not (hints or options):
            continue
        unless = entry.option("hints-unless-imported", [])
        modules = {m for m, source in analysis.project.sources.items()
                   if any(f'"{h}"' in source.text or f"'{h}'" in source.text for h in hints | options)
                   and not analysis.project.modules[m].imports_any(unless)}
        reading = {f: how for f, fn in analysis.functions.items() if fn.module in modules
                   and (how := reads_environment(fn, hints) or takes_option(fn, options)) is not None}
        needing = _needing(analysis, [f for f, read in reading.items() if read == NEEDED])
        for how, context, functions in ((NEEDED, f"under {entry.option('launcher')}", needing),
                                        (CONSULTED, f"if started by {entry.option('launcher')}", set(reading))):
            if functions:
                # A module's own top-level code naming it says so of that module run as a script;
                # importing it (a config class's field default) says nothing of the importer.
                bodies = {f for f in functions if analysis.functions[f].kind == "module"}
                runners = needing if how == NEEDED else \
                    analysis.graph.reaching([f for f in functions if f not in bodies], MAIN_THREAD)
                found.append((Deadline(entry.option("deadline"), context, how == CONSULTED),
                              frozenset(runners) | bodies,
                              (entry.option("hints-not-for-runs-of", []), entry.option("hints-library", []))))
    return found


def _needing(analysis: "Analysis", functions: list[str]) -> set[str]:
    """The functions that read the variable on every run of theirs: those that index it outside
    any branch, and their callers that call one outside any branch. dinov2's setup() reads
    torchrun's variables only where SLURM_JOB_ID is unset: a run may not be torchrun's at all."""
    needing = set(functions)
    todo = [f for f in functions if analysis.functions[f].kind != "module"]
    while todo:
        for step in analysis.graph.callers(todo.pop(), _CALLS):
            caller = analysis.functions[step.caller]
            site = caller.events[step.site]
            if step.caller not in needing and not branched_around(caller, site) and not _returned_before(caller, site):
                needing.add(step.caller)
                if caller.kind != "module":
                    todo.append(step.caller)
    return needing


def _returned_before(fn: ir.FunctionInfo, event: ir.Event) -> bool:
    """Whether an `if` before the event may return from the function first (`if slurm: return
    ...`): the event runs on the other runs only."""
    return any(isinstance(branch, ir.Branch) and branch.end <= event.index and branch.guard != "main"
               and any(isinstance(e, ir.Jump) and e.kind == "return" for e in fn.events[branch.index:branch.end])
               for branch in fn.events[:event.index])


_CALLS = frozenset({"call"})
