from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.roots import root_name


class HandlerRegisteredLate(Rule):
    """The SIGTERM handler is registered only after training started, or only under a condition.

    ## What it does
    Compares, in the order an entry point runs, each SIGTERM registration with the first
    training loop or fit call. Reports when every registration comes after the training work
    started (including inside the loop), or is made only under an `if` or one side of a
    conditional expression (`GracefulExit() if args.graceful else None`). The main guard and
    platform checks (`hasattr(signal, "SIGTERM")`, `sys.platform != "win32"`, `os.name == "posix"`)
    are not conditions. A run whose training goes through a library that handles SIGTERM
    itself (Lightning's `Trainer.fit`) is protected either way and is not reported.

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
    )
    invalid = (
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
    )

    def check(self, analysis):
        for entry in analysis.entries:
            registrations = [r for r in entry.registrations if r.covers_sigterm and r.action not in ("ignore", "default")]
            if not registrations or entry.framework_handling is not None:
                continue  # a library that handles SIGTERM itself protects the run either way
            work_at = entry.first_work_position()
            if work_at is None:
                continue
            problems = [(r, self._problem(analysis, entry, r, work_at)) for r in registrations]
            if any(problem is None for _, problem in problems):
                continue  # at least one registration protects the whole run
            registration, problem = problems[0]
            anchor = analysis.registration_point(registration)
            work = analysis.point(entry.first_work.func_id, entry.first_work.event, f"{entry.first_work.what} starts here")
            yield self.finding(anchor, problem, [work, anchor] if "after" in problem else [anchor])

    @staticmethod
    def _problem(analysis, entry, registration, work_at) -> str | None:
        at = entry.position(registration.func_id, registration.site)
        if at is not None and at > work_at:
            return f"SIGTERM handler is registered after the {entry.first_work.what} started: a stop before this line loses the work"
        signal_names = _signal_names(registration)
        for func_id, index in _path_sites(analysis, entry, registration):
            own = signal_names if func_id == registration.func_id else frozenset()
            if _conditional(analysis.functions[func_id], index, own):
                return "SIGTERM handler is registered only under a condition: runs where it is false are unprotected"
        return None


def _path_sites(analysis, entry, registration):
    yield registration.func_id, registration.site.index
    for step in entry.path_to(registration.func_id):
        yield step.caller, step.site


def _conditional(fn: ir.FunctionInfo, index: int, signal_names: frozenset[str] = frozenset()) -> bool:
    return any(isinstance(e, ir.Branch) and e.guard is None and e.index < index < e.end
               and not _tests_only(e, signal_names) for e in fn.events[:index])


def _signal_names(registration) -> frozenset[str]:
    """The variable the registration takes its signal from (`sig` in `signal.signal(sig, h)`)."""
    root = root_name(registration.site.args[0]) if registration.site.args else None
    return frozenset({root.name}) if root is not None else frozenset()


def _tests_only(branch: ir.Branch, names: frozenset[str]) -> bool:
    """`if sig is not None:` around `signal.signal(sig, h)`, after `sig = getattr(signal, name,
    None)`: the test asks whether the platform has the signal, true wherever SIGTERM exists."""
    roots = [root_name(sym) for sym in branch.test_reads if not isinstance(sym, ir.Const)]
    return bool(names) and bool(roots) and all(root is not None and root.name in names for root in roots)
