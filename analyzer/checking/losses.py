"""What a stop costs a run that trains with no handler: the work since its last save, or all of it
where nothing saves while the training runs. SIG001 words its findings with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.entries import EntryFacts
    from sigcheck.model.work import Work


def saves_as_it_goes(analysis: "Analysis", entry: "EntryFacts", work: "Work") -> bool:
    """Whether the training saves as it goes: a loop that writes a checkpoint on each pass or
    once a period, or a library's fit that saves by itself (the Hugging Face Trainer, unless
    its arguments turn it off)."""
    if work.what == "training loop":
        return analysis.saves.checkpoints_in(work.func_id, work.event.index + 1, work.event.end)
    return analysis.frameworks.saves_as_it_goes(work.func_id, work.event, entry.main.runs_a_passer)


def what_a_stop_loses(analysis: "Analysis", entry: "EntryFacts", work: "Work") -> str:
    """What a stop costs: the work since the last save, or all of it where the run saves nothing
    (litgpt's tutorial) or saves only before or after its loop. A library's fit saves in its
    own code, which the graph does not hold."""
    fit = analysis.frameworks.fit_of(entry, work)  # a library's fit saves in its own code, unless told not to
    nothing_saves = analysis.frameworks.never_saves(*fit, entry.main.runs_a_passer) if fit else work.what == "training loop"
    if not nothing_saves:
        return "everything since the last save is lost"
    if analysis.saves.reach_save([entry.body_id], periodic=True) is None:
        return "all the training is lost: nothing in the run saves it"
    if fit:  # a Keras fit given no checkpoint callback, a Trainer told save_strategy="no": saved after, if at all
        return "all the training is lost: nothing saves it while the fit runs"
    if not analysis.saves.may_save_in(work.func_id, work.event.index + 1, work.event.end):
        return "all the training is lost: nothing saves it while the loop runs"  # pytorch/examples' mnist: after it
    return "everything since the last save is lost"


def job_loss(analysis: "Analysis", work: "Work") -> str:
    """What a stop costs the training of a job the run submits (submitit's): the work since its
    last save, or all of it where its loop may save nothing while it runs."""
    if work.what == "training loop" and not analysis.saves.may_save_in(work.func_id, work.event.index + 1, work.event.end):
        return "all the training is lost: nothing saves it while the loop runs"
    return "everything since the last save is lost"
