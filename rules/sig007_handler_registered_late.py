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
    are not conditions, and registrations on both sides of an `if`/`else` (one for rank 0, one
    for the others) protect every run. A run whose training goes through a library that handles SIGTERM
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
            registrations = [r for r in entry.registrations if r.covers_sigterm and r.action not in ("ignore", "default")]
            if not registrations or entry.framework_handling is not None:
                continue  # a library that handles SIGTERM itself protects the run either way
            work_at = entry.first_work_position()
            if work_at is None:
                continue
            problems = [(r, self._problem(analysis, entry, r, work_at)) for r in registrations]
            if any(problem is None for _, problem in problems):
                continue  # at least one registration protects the whole run
            conditional = [r for r, problem in problems if problem == _CONDITIONAL]
            if len(conditional) == len(problems) and _every_run_registers(analysis, entry, conditional):
                continue  # `if rank == 0: signal(SIGTERM, save) else: signal(SIGTERM, leave)`
            registration, problem = problems[0]
            anchor = analysis.registration_point(registration)
            if len(conditional) > 1 and problem == _CONDITIONAL:  # each place a run may be protected
                others = [analysis.point(r.func_id, r.site, "or, under another condition, here") for r in conditional[1:]]
                yield self.finding(anchor, _CONDITIONS, [anchor, *others])
                continue
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
                return _CONDITIONAL
        return None


_CONDITIONAL = "SIGTERM handler is registered only under a condition: runs where it is false are unprotected"
_CONDITIONS = "SIGTERM handlers are registered only under conditions, and no run has to meet one of them: runs where none holds are unprotected"


def _every_run_registers(analysis, entry, registrations) -> bool:
    """Whether the conditions the registrations sit under leave no run out: both sides of an
    `if`/`else` register (or call what does on every run). Each function on the way counts the
    sites that lead to a registration; a call leads there when the callee itself always does."""
    leads: dict[str, dict[int, str | None]] = {}  # function -> its sites that lead on (-> the callee, None: registers)
    names: dict[str, frozenset[str]] = {}
    root = None
    for registration in registrations:
        leads.setdefault(registration.func_id, {})[registration.site.index] = None
        names[registration.func_id] = names.get(registration.func_id, frozenset()) | _signal_names(registration)
        path = entry.path_to(registration.func_id)
        for step in path:
            leads.setdefault(step.caller, {})[step.site] = step.callee
        root = path[0].caller if path else registration.func_id
    return root is not None and _always(analysis, leads, names, root, set())


def _always(analysis, leads, names, func_id: str, seen: set[str]) -> bool:
    if func_id in seen:
        return False
    seen = seen | {func_id}
    sites = {index for index, callee in leads.get(func_id, {}).items()
             if callee is None or _always(analysis, leads, names, callee, seen)}
    fn = analysis.functions[func_id]
    return _region_registers(fn, sites, 0, len(fn.events), names.get(func_id, frozenset()))


def _region_registers(fn: ir.FunctionInfo, sites: set[int], start: int, end: int, signal_names: frozenset[str]) -> bool:
    """Whether every pass through events [start, end) meets one of `sites`: one outside any
    condition, or one on each side of a condition."""
    index = start
    while index < end:
        if index in sites:
            return True
        event = fn.events[index]
        if isinstance(event, ir.Branch) and event.guard is None and not _tests_only(event, signal_names):
            if _region_registers(fn, sites, event.index + 1, event.then_end, signal_names) and \
                    _region_registers(fn, sites, event.then_end, event.end, signal_names):
                return True
            index = max(event.end, index + 1)
            continue
        index += 1
    return False


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
