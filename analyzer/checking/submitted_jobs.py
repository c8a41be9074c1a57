"""Training a script submits as a job of its own that a library runs elsewhere with signal
handling of its own: submitit runs the callable in a Slurm job, where it logs and ignores SIGTERM,
and on its requeue signal (SIGUSR2, sent before the time limit or on preemption) calls the
callable's `checkpoint()` and requeues the job. The job's training keeps its work only where a
handler of its own saves, or its requeue hook does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.runs import RunView
from sigcheck.model.values import ExternalV

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.knowledge import Entry
    from sigcheck.model.work import Work

_SUBMITS = "remote"  # the edge kind of a call that runs its target in a job of its own


@dataclass(frozen=True)
class SubmittedJob:
    func_id: str  # the function that submits it
    site: ir.CallSite
    target: str  # the function the job runs: the callable, or its `__call__`
    work: "Work"  # the first training of the job's run
    run: RunView  # what the job's main thread runs
    library: "Entry"  # the knowledge of the call that submits it
    hook: str | None  # the callable's requeue hook (`Trainer.checkpoint`), where it has one
    inherited: bool  # the hook may be a library base's (submitit's Checkpointable, which resubmits the callable as it is)


def submitted_jobs(analysis: "Analysis") -> list[SubmittedJob]:
    """Every call that submits training to a library that ignores SIGTERM in the job it runs."""
    found = []
    submits = [edge for edge in analysis.graph.graph.edges(keys=True, data=True) if edge[2] == _SUBMITS]
    for caller, callee, _, data in sorted(submits, key=_edge_order):  # the few submitting edges, in a fixed order
        site = analysis.functions[caller].events[data["site"]]
        library = next((e for name in analysis.graph.qualnames(caller, site)
                        for e in analysis.knowledge.spawns.find(name) if e.option("ignores-sigterm")), None)
        if library is None:
            continue
        run = RunView(analysis.reachability, frozenset({callee}))
        work = analysis.work.first_work(callee, run.runs_a_passer)
        if work is not None:
            hook, inherited = _hook(analysis, callee, library)
            found.append(SubmittedJob(caller, site, callee, work, run, library, hook, inherited))
    return found


def _edge_order(edge) -> tuple:
    caller, callee, kind, data = edge
    return caller, data["site"], callee, kind


def _hook(analysis: "Analysis", target: str, library: "Entry") -> tuple[str | None, bool]:
    """The requeue hook of the callable's class, its own or a project base's (the job runs an
    instance's `__call__`, and the library calls the instance's hook), and whether a library base
    may hold it instead: Checkpointable's resubmits the callable pickled with its state."""
    name, fn = library.option("requeue-hook"), analysis.functions[target]
    if not name or fn.class_id is None:
        return None, False
    own = analysis.resolver.own_method(fn.class_id, name)
    return own, own is None and any(isinstance(base, ExternalV) and base.qualname != "builtins.object"
                                    for base in analysis.resolver.mro(fn.class_id)[1:])


def keeps_its_work(analysis: "Analysis", job: SubmittedJob) -> bool:
    """Whether a stop of the job keeps its work: a SIGTERM handler of the job's own (it replaces
    the library's, installed before the callable runs), or a requeue hook that saves or may (a
    library base's, which carries the callable's state into the next job)."""
    # a module the job imports runs without its `if __name__ == "__main__":` block (ConvNeXt's main.py; triage DL)
    if job.inherited or any(r.handles_sigterm and r.func_id in job.run and r.site.index not in analysis.graph.main_block(r.func_id)
                            for r in analysis.registrations):
        return True
    return job.hook is not None and analysis.saves.reach_save([job.hook]) is not None
