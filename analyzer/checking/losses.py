"""What a stop costs a run that trains with no handler: the work since its last save, or all of it
where nothing saves while the training runs. SIG001 words its findings with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.loading.switches import given_value
from sigcheck.model import ir

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
    return analysis.frameworks.saves_as_it_goes(work.func_id, work.event, entry.main.runs_a_passer) \
        and not any(_launches_turn_saving_off(analysis, entry, work))


def what_a_stop_loses(analysis: "Analysis", entry: "EntryFacts", work: "Work") -> str:
    """What a stop costs: the work since the last save, or all of it where the run saves nothing
    (litgpt's tutorial) or saves only before or after its loop. A library's fit saves in its
    own code, which the graph does not hold."""
    fit = analysis.frameworks.fit_of(entry, work)  # a library's fit saves in its own code, unless told not to
    turned_off = _launches_turn_saving_off(analysis, entry, work) if fit else []
    nothing_saves = analysis.frameworks.never_saves(*fit, entry.main.runs_a_passer) or (bool(turned_off) and all(turned_off)) \
        if fit else work.what == "training loop"
    if not nothing_saves:
        return "everything since the last save is lost"
    if analysis.saves.reach_save([entry.body_id], periodic=True) is None:
        return "all the training is lost: nothing in the run saves it"
    if fit and not _saved_each_pass(analysis, work):  # a Keras fit given no checkpoint callback, a Trainer told save_strategy="no": saved after, if at all
        return "all the training is lost: nothing saves it while the fit runs"
    if not fit and not analysis.saves.may_save_in(work.func_id, work.event.index + 1, work.event.end):
        return "all the training is lost: nothing saves it while the loop runs"  # pytorch/examples' mnist: after it
    return "everything since the last save is lost"


def _saved_each_pass(analysis: "Analysis", work: "Work") -> bool:
    """Whether a loop of fits saves after each (RAPIDS' cross-validation folds, each fold's model
    saved): a stop loses the fit in progress, not all the training. The loop is the work, or the
    innermost one around the fit call."""
    if work.what != "fit call":
        return analysis.saves.may_save_in(work.func_id, work.event.index + 1, work.event.end)
    events = analysis.project.functions[work.func_id].events
    loops = [e for e in events[:work.event.index] if isinstance(e, ir.Loop) and e.end > work.event.index]
    return bool(loops) and analysis.saves.may_save_in(work.func_id, work.event.index + 1, loops[-1].end)


def job_loss(analysis: "Analysis", work: "Work") -> str:
    """What a stop costs the training of a job the run submits (submitit's): the work since its
    last save, or all of it where its loop may save nothing while it runs."""
    if work.what == "training loop" and not analysis.saves.may_save_in(work.func_id, work.event.index + 1, work.event.end):
        return "all the training is lost: nothing saves it while the loop runs"
    return "everything since the last save is lost"


def _launches_turn_saving_off(analysis: "Analysis", entry: "EntryFacts", work: "Work") -> list[bool]:
    """For each launch of the script the project holds, whether its arguments turn the fit's own
    saving off (`deepspeed train.py --save_strategy no`, which HfArgumentParser reads into the
    TrainingArguments the Trainer is given)."""
    names = analysis.work.call_names(work.func_id, work.event) if work.what == "fit call" else []
    entries = [e for name in names for e in analysis.knowledge.fits.find(name) if e.option("saves-unless")]
    if not entries:
        return []
    keyword, off = entries[0].option("saves-unless")
    path = analysis.project.sources[entry.entry.module].path
    return [given_value(args, keyword) == off for args in analysis.project.launch_arguments.get(str(path), [])]
