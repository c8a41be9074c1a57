"""What keeps SIGTERM from a script, so that no handler in it would run (DKR007's cases): the SDK
running it in script mode, the training toolkit starting it, or a launch in a shell script of
the project whose launcher never passes the signal on (deepspeed's runner on one node). SIG001
says so instead of asking for a handler, and SIG002 leaves a library's handler there alone. The
knowledge words how a launcher keeps the signal and what to start the script with instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sigcheck.model.trace import Point

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.entries import EntryFacts
    from sigcheck.knowledge import Knowledge
    from sigcheck.loading.launch_scripts import ScriptLaunch


@dataclass(frozen=True)
class KeptSignal:
    launch: "ScriptLaunch"
    keeps: str  # how the launcher keeps the signal, after `who`
    instead: str  # what to start the script with instead
    who: str  # what keeps it: the launcher, or the shell a pod runs it with

    @classmethod
    def of(cls, launch: "ScriptLaunch", knowledge: "Knowledge") -> "KeptSignal":
        if launch.kept:
            who, keeps, instead = launch.kept
            return cls(launch, keeps, instead, who)
        entry = knowledge.containers["launcher"].find(launch.launcher)[0]
        return cls(launch, entry.option("keeps"), entry.option("instead"), launch.launcher)

    @property
    def point(self) -> Point:
        line = self.launch.line
        return Point.in_document(self.launch.display, (line, 1, line, 1), f"{self.who} starts the script")

    @property
    def where(self) -> str:
        return f"{self.launch.display}:{self.launch.line}"


@dataclass(frozen=True)
class Blocked:
    """What keeps SIGTERM from a script: the place that starts it, how, and what to do instead.
    `own_launch`: a launch the project writes, which it can change so that a handler runs; a
    script SageMaker's toolkit runs can only save as it goes."""

    point: Point
    runs_it: str
    instead: str
    own_launch: bool = False


def signal_kept_from(analysis: "Analysis", entry: "EntryFacts") -> Blocked | None:
    """What keeps SIGTERM from the entry point; None where the signal may reach it."""
    run = next((run for run in analysis.script_mode_trainers if run.trainer is entry), None)
    if run is not None:
        return Blocked(run.point, f"{run.who}, at {run.where}, runs it {run.how}",
                       f"save checkpoints to /opt/ml/checkpoints as training goes ({run.checkpoints})")
    kept = entry.kept_by
    if kept is not None:
        return Blocked(kept.point, f"{kept.who}, at {kept.where}, {kept.keeps}", f"{kept.instead}, and handle SIGTERM", True)
    read = analysis.toolkit_read(entry)
    if read is not None:
        return Blocked(read[0], f"{read[1]}, and the toolkit starts the script as a child and never forwards SIGTERM "
                                "(sagemaker-training-toolkit #125, #173)",
                       "save checkpoints to /opt/ml/checkpoints as training goes (the job's checkpoint_s3_uri)")
    return None


def where_handled(analysis: "Analysis", trainer: "EntryFacts") -> Point | None:
    """Where the trainer handles SIGTERM (its handler's registration, or the library that does), if it does."""
    registration = next((r for r in trainer.registrations if r.covers_sigterm and r.action not in ("ignore", "default")), None)
    if registration is not None:
        return analysis.registration_point(registration)
    if trainer.framework_handling is not None or trainer.library_handles:  # Lightning's, or Composer's that exits
        script = analysis.project.sources[trainer.entry.module].display
        return Point(trainer.body_id, None, f"{script} trains in a library that handles SIGTERM")
    return None
