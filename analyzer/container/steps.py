"""The launch chain as data: its steps, each with how the stop signal gets past it, and the Python
trainer it ends in (chain.py builds it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sigcheck.container.argv import PythonCall
from sigcheck.container.starters import REPLACED, STOPS
from sigcheck.model.trace import Point


@dataclass(frozen=True)
class Step:
    kind: str  # "entrypoint" | "shell-form" | "shell-c" | "script" | "init" | "runner" | "launcher" | "toolkit" | "python"
    # | "python-launcher" (a Python script that starts the trainer: python_launcher.py)
    label: str  # what runs, as a person would write it
    point: Point  # where it is started
    passes: str = REPLACED  # how the signal reaches the next step: REPLACED, FORWARDS or STOPS
    deadline: int | None = None  # a launcher's SIGKILL for the steps after it
    note: str = ""  # why the signal stops here, or what the step does with it
    group: bool = False  # signals the whole process group of its child (tini -g, dumb-init)
    detaches: bool = False  # starts its child in a new session, out of reach of a group signal
    instead: str = ""  # a launcher that keeps the signal: what to start the workers with instead
    delay: int = 0  # seconds from the stop to the signal a launcher passes on (Open MPI's mpirun waits)
    set_by: str = ""  # the setting that chose a launcher's deadline, where one did (`--mca odls_base_sigkill_timeout 55`)

    def cuts_short(self, allowed: int) -> bool:
        """Whether a launcher that passes the signal on leaves the programs after it less time than
        the platform. A delay set on purpose (`--mca odls_base_sigkill_timeout 55`) is wrong only
        where the signal comes so late that the platform's SIGKILL cuts their save short."""
        return self.deadline is not None and self.window(allowed) < (self.deadline if self.set_by else allowed)

    def window(self, allowed: int) -> int:
        """The seconds the programs after this step have to save when the stop allows `allowed`: a
        launcher's deadline, or less where its signal comes late (Open MPI's mpirun waits first)."""
        return max(min(allowed if self.deadline is None else self.deadline, allowed - self.delay), 0)


@dataclass(frozen=True)
class PythonTarget:
    path: Path  # the build-context file
    display: str
    call: PythonCall  # how the interpreter was asked to run it
    step: int  # index of its Step in the chain
    image_path: str = ""  # where it is in the image: a launcher's relative paths start from its folder
    program: str = ""  # a console script's: the text of the program pip writes, which is no file of the context
    declared_in: str = ""  # and the project file that declares it, which its program is shown as


@dataclass
class Chain:
    steps: list[Step] = field(default_factory=list)
    python: PythonTarget | None = None
    problem: str | None = None  # why the chain could not be followed to a trainer
    interactive: bool = False  # it ends in a shell given no script: one for a person at a terminal (`CMD /bin/bash -l`)
    missing_train: bool = False  # the platform's `train` argument names no program in the image
    runs_arguments: Point | None = None  # a wrapper that runs its arguments (`exec "$@"`)
    awaits_program: bool = False  # the toolkit's `train` with no SAGEMAKER_PROGRAM: a job's estimator names it
    toolkit_shell: bool = False  # the toolkit runs the program through /bin/sh (a framework's toolkit does)
    helpers: list[Path] = field(default_factory=list)  # Python scripts a wrapper on the chain runs first (build-context files)

    def receives(self) -> list[bool]:
        """For each step: does its process receive the stop signal Docker sends to PID 1?"""
        found, current, group = [], True, False
        for index, step in enumerate(self.steps):
            found.append(current)
            group = (group and not step.detaches) or step.group
            if index + 1 < len(self.steps) and step.passes == STOPS and not group:
                current = False
        return found

    def stopped_at(self) -> Step | None:
        """The step the signal does not get past, if the trainer never receives it."""
        receives = self.receives()
        if not self.steps or receives[-1]:
            return None
        return next((s for s, r, n in zip(self.steps, receives, receives[1:]) if r and not n), None)

    def points(self) -> list[Point]:
        return [s.point for s in self.steps]
