from __future__ import annotations

from sigcheck.checking.registration_conditions import (chosen_from_a_table, condition_of, every_run_registers,
                                                       guards_the_training, under_a_condition)
from sigcheck.checking.rule import Example, Rule


class HandlerRegisteredLate(Rule):
    """The SIGTERM handler is registered only after training started, or only under a condition.

    ## What it does
    Compares, in the order an entry point runs, each SIGTERM registration with the first
    training loop or fit call. Reports when every registration comes after the training work
    started (including inside the loop), or is made only under an `if` or one side of a
    conditional expression (`GracefulExit() if args.graceful else None`). The main guard and
    platform checks (`hasattr(signal, "SIGTERM")`, `sys.platform != "win32"`, `os.name == "posix"`)
    are not conditions, and registrations on both sides of an `if`/`else` (one for rank 0, one
    for the others) protect every run, as does an `if` that holds all of the run's training too
    (`if args.mode == "train": fit()`, where fit registers and trains: a run where it is false
    trains nothing). A run whose training goes through a library that handles SIGTERM
    itself (Lightning's `Trainer.fit`) is protected either way and is not reported. A
    registration for a signal sigcheck cannot tell (`signal.signal(args.exit_signal, h)`,
    Megatron's `--exit-signal-handler`) may be SIGTERM's: made in every run, it may protect them
    all; made only under a condition, the runs where it is false have no handler of any signal.
    A handler made only by what the run picks from a table by a name it is given
    (`PLUGINS[name](model)`), where the table also holds classes that register none, is made
    only in the runs that pick it. A mode that ends the run before its training (a side of an `if`
    that exits, or returns from the main function the program ends with: doctr's
    `if args.find_lr: record_lr(...); return`) comes before nothing: its loop is not the run's first.

    ## Why is this bad?
    A stop during the window before registration, often the first epoch or the whole run when
    registration sits after `fit()`, is handled by the default action: the work is lost. A
    handler registered only when a flag or rank check holds leaves the other runs unprotected.

    ## Example
    ```python
    trainer.train()
    signal.signal(signal.SIGTERM, on_sigterm)
    ```

    ## Use instead
    ```python
    signal.signal(signal.SIGTERM, on_sigterm)
    trainer.train()
    ```
    """

    code = "SIG007"
    name = "handler-registered-late"
    severity = "warning"

    valid = (
        Example("""
import signal, sys

if hasattr(signal, "SIGTERM"):
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "a platform check is true on Linux"),
        Example("""
import signal, sys

for name in ("SIGINT", "SIGTERM"):
    sig = getattr(signal, name, None)
    if sig is not None:
        signal.signal(sig, lambda signum, frame: sys.exit(0))

for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "a test of whether the platform has the signal (lerobot's ProcessSignalHandler) is true on Linux"),
        Example("""
import signal

def setup():
    signal.signal(signal.SIGTERM, on_sigterm)

def main():
    setup()
    for batch in loader:
        model(batch).backward()
        optimizer.step()

if __name__ == "__main__":
    main()
""", "registered through a call that comes before the loop"),
        Example("""
import os, signal, sys
from lightning.pytorch import Trainer

if os.environ.get("PROFILE"):
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

Trainer(max_steps=1000).fit(model)
""", "Lightning's fit handles SIGTERM in the runs where the profiler's handler is not registered"),
        Example("""
import os, signal, sys

def save_and_exit(signum, frame):
    save_checkpoint()
    sys.exit(0)

def setup_other_ranks():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

if int(os.environ.get("RANK", "0")) == 0:
    signal.signal(signal.SIGTERM, save_and_exit)
else:
    setup_other_ranks()
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "each side of the rank test registers a handler, one through a call: every run has one"),
        Example("""
import signal, torch

def fit(model, opt, stopping):
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    for batch in loader:
        model(batch).backward()
        opt.step()
        if stopping.is_set():
            torch.save(model.state_dict(), "last.pt")
            break

if args.mode in ("train", "train_val"):
    fit(model, opt, stopping)
if args.mode in ("val", "train_val"):
    score(model)
""", "the condition the registration sits under holds the training too: a run where it is false only scores (MXNet's fit.py)"),
        Example("""
import signal

signal.signal(args.stop_signal, on_stop)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "every run registers a handler for the signal an option names, which may be SIGTERM"),
        Example("""
import signal, sys


class Saver:
    def __init__(self, model):
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        sys.exit(0)


class AsyncSaver(Saver):
    pass


SAVERS = {"sync": Saver, "async": AsyncSaver}
saver = SAVERS[args.saver](model)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "every class the table holds registers the handler, whichever the run picks"),
    )
    invalid = (
        Example("""
import signal, torch

def fit(model, opt):
    for batch in loader:
        model(batch).backward()
        opt.step()

if args.graceful:
    # expect: SIG007
    signal.signal(signal.SIGTERM, on_sigterm)
    fit(model, opt)
else:
    fit(model, opt)
""", "the run that is not graceful trains too, with no handler"),
        Example("""
import signal

def install(signum, handler):
    # expect: SIG007
    signal.signal(signum, handler)

if args.exit_signal_handler:
    install(args.exit_signal, on_signal)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "a handler for a signal an option names, made only under another option (Megatron's --exit-signal-handler)"),
        Example("""
import signal, sys


class GracefulExit:
    def __init__(self, model):
        # expect: SIG007
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        sys.exit(0)


class Profiler:
    def __init__(self, model):
        self.model = model


PLUGINS = {"graceful_exit": GracefulExit, "profiler": Profiler}
plugins = [PLUGINS[name](model) for name in args.plugins]
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "made only by the plugin a command line picks from a table by name (ms-swift's --callbacks graceful_exit)"),
        Example("""
import argparse, signal, sys


class GracefulExit:
    def __init__(self):
        # expect: SIG007
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        sys.exit(0)


args = argparse.ArgumentParser().parse_args()
stopper = GracefulExit() if args.graceful else None
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "the handler is made only when a command-line option asks for it (ms-swift's --callbacks graceful_exit)"),
        Example("""
import signal

for batch in loader:
    model(batch).backward()
    optimizer.step()
    # expect: SIG007
    signal.signal(signal.SIGTERM, on_sigterm)
""", "registered inside the training loop"),
        Example("""
import signal

if args.handle_preemption:
    # expect: SIG007
    signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "registered only when an option is set"),
        Example("""
import signal

if args.preemptible:
    # expect: SIG007
    signal.signal(signal.SIGTERM, on_sigterm)
elif args.slurm:
    signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "two options each register it, and a run with neither has no handler: both places are in the trace"),
    )

    def check(self, analysis):
        for entry in analysis.entries:
            # a registration in another command's run than the training's (unsloth's password prompt
            # beside its `train`) neither protects it nor comes late to it: one invocation runs one command
            registrations = [r for r in entry.registrations if (r.covers_sigterm or r.signals is None)
                             and r.action not in ("ignore", "default") and entry.trains_beside(r.func_id)]
            if not registrations or entry.framework_handling is not None:
                continue  # a library that handles SIGTERM itself protects the run either way
            work_at = entry.first_work_position()
            if work_at is None:
                continue
            problems = [(r, problem) for r in registrations
                        if (problem := self._problem(analysis, entry, r, work_at)) in (None, _CONDITIONAL)
                        or r.covers_sigterm]  # one for a signal not known may be late only if it is SIGTERM's
            if not problems:
                continue
            if any(problem is None for _, problem in problems):
                continue  # at least one registration protects the whole run
            conditional = [r for r, problem in problems if problem == _CONDITIONAL]
            if len(conditional) == len(problems) and every_run_registers(analysis, entry, conditional):
                continue  # `if rank == 0: signal(SIGTERM, save) else: signal(SIGTERM, leave)`
            registration, problem = problems[0]
            if problem == _CONDITIONAL and not registration.covers_sigterm:
                problem = _CONDITIONAL_UNKNOWN
            anchor = analysis.registration_point(registration)
            if len(conditional) > 1 and problem in (_CONDITIONAL, _CONDITIONAL_UNKNOWN):  # each place a run may be protected
                others = [analysis.point(r.func_id, r.site, "or, under another condition, here") for r in conditional[1:]]
                yield self.finding(anchor, _CONDITIONS, [anchor, *others])
                continue
            if "after" in problem:
                work = analysis.point(entry.first_work.func_id, entry.first_work.event, f"{entry.first_work.what} starts here")
                yield self.finding(anchor, problem, [work, anchor])
            elif "picks" in problem:
                func_id, site, table = chosen_from_a_table(analysis, entry, registration)
                steps = analysis.path_points(entry.path_to(registration.func_id))
                yield self.finding(anchor, problem, [*steps, analysis.point(func_id, site, f"picks what runs from {table}"), anchor])
            else:
                yield self.finding(anchor, problem, _conditional_trace(analysis, entry, registration, anchor))

    @staticmethod
    def _problem(analysis, entry, registration, work_at) -> str | None:
        at = entry.position(registration.func_id, registration.site)
        if at is not None and at > work_at:
            return f"SIGTERM handler is registered after the {entry.first_work.what} started: a stop before this line loses the work"
        if not under_a_condition(analysis, entry, registration):
            chosen = chosen_from_a_table(analysis, entry, registration)
            return None if chosen is None else _CHOSEN.format(table=chosen[2])
        if guards_the_training(analysis, entry, registration):
            return None  # a run where the condition is false trains nothing
        return _CONDITIONAL


_CHOSEN = ("SIGTERM handler is registered only where the run picks it from {table} by a name it is given: runs that pick "
           "another, or none, are unprotected")
_CONDITIONAL = "SIGTERM handler is registered only under a condition: runs where it is false are unprotected"
_CONDITIONAL_UNKNOWN = ("Signal handler, for a signal sigcheck cannot tell (it may be SIGTERM), is registered only under a "
                        "condition: runs where it is false have no handler at all")
_CONDITIONS = "SIGTERM handlers are registered only under conditions, and no run has to meet one of them: runs where none holds are unprotected"


def _conditional_trace(analysis, entry, registration, anchor) -> list:
    """The way from the entry point to the registration, with the `if` it needs where it sits
    (Megatron's `if args.exit_signal_handler:` two calls up from the registration)."""
    found = condition_of(analysis, entry, registration)
    steps = analysis.path_points(entry.path_to(registration.func_id))
    if found is None:
        return [*steps, anchor]
    func_id, branch = found
    condition = analysis.point(func_id, branch, "only when this condition holds")
    callers = [step.caller for step in entry.path_to(registration.func_id)]
    at = callers.index(func_id) if func_id in callers else len(steps)
    return [*steps[:at], condition, *steps[at:], anchor]
