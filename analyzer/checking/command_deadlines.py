"""A command's own deadline: where a script runs one of several commands (a click group, a console
script with subcommands), a launch that runs another of them (`srun mini preprocess` beside
`srun mini train`) sets none for it."""

from __future__ import annotations

from sigcheck.checking.entries import Deadline, EntryFacts, strictest
from sigcheck.loading.launch_scripts import ScriptLaunch


def command_deadline(entry: EntryFacts, command: str) -> Deadline:
    """The entry point's deadline, as only the launches that may run this command (a function
    of one of its command runs) set it."""
    local = entry.script_launches[1]
    every = {name for run in entry.command_runs for func_id in run.command for name in _names(entry, func_id)}
    running = [launch for launch in local if _may_run(launch, _names(entry, command), every)]
    if len(running) == len(local):
        return entry.deadline
    deadlines = [entry.analysis.platform_deadline_for([entry])]
    launcher = strictest(running)
    if launcher is not None:
        deadlines.append(launcher)
    return min(deadlines, key=lambda deadline: (deadline.seconds, deadline.conditional))


def _names(entry: EntryFacts, func_id: str) -> set[str]:
    """What a command line calls the command: the name its table gives it, else its function's
    (`train_model`, which click ≥ 7 spells `train-model`)."""
    given = entry.analysis.graph.command_name(func_id)
    if given is not None:
        return {given.split()[0]}
    name = entry.analysis.functions[func_id].qualname.rsplit(".", 1)[-1]
    return {name, name.replace("_", "-")}


def _may_run(launch: ScriptLaunch, own: set[str], every: set[str]) -> bool:
    """Whether the launch may run the command: the first of its words that names a command is one
    of its names. A word not known before it, or none naming a command, may run any."""
    for word in launch.arguments:
        if word is None:
            return True
        if word in every:
            return word in own
    return True
