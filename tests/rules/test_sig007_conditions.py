"""SIG007's conditions: registrations under several of them, and whether together they cover every run."""

from __future__ import annotations

OPTIONS = """
import signal

def main(args):
    if args.preemptible:
        signal.signal(signal.SIGTERM, on_sigterm)
    elif args.slurm:
        signal.signal(signal.SIGTERM, on_sigterm)
    for batch in loader:
        model(batch).backward()
        optimizer.step()

main(parse())
"""


def test_registrations_under_several_conditions_are_all_in_the_trace(run_sigcheck):
    report = run_sigcheck({"train.py": OPTIONS}, ["train.py"], select=("SIG007",))
    [finding] = report.diagnostics
    assert finding.line == 5
    assert "no run has to meet one of them" in finding.message
    assert [(step.line, step.note) for step in finding.trace] == [
        (5, "SIGTERM handler registered here"), (7, "or, under another condition, here")]


def test_an_else_that_registers_covers_the_runs_the_test_leaves_out(run_sigcheck):
    covered = OPTIONS.replace("    elif args.slurm:\n", "    else:\n")
    report = run_sigcheck({"train.py": covered}, ["train.py"], select=("SIG007",))
    assert report.diagnostics == []


def test_an_else_that_calls_a_function_registering_only_sometimes_covers_nothing(run_sigcheck):
    code = OPTIONS.replace("    elif args.slurm:\n        signal.signal(signal.SIGTERM, on_sigterm)\n",
                           "    else:\n        maybe(args)\n") + """
def maybe(args):
    if args.verbose:
        signal.signal(signal.SIGTERM, on_sigterm)
"""
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG007",))
    assert [d.line for d in report.diagnostics] == [5]


def test_a_registration_after_the_training_is_no_cover_for_a_conditional_one(run_sigcheck):
    code = OPTIONS.replace("    elif args.slurm:\n        signal.signal(signal.SIGTERM, on_sigterm)\n", "    else:\n        pass\n") \
        .replace("        optimizer.step()\n", "        optimizer.step()\n    signal.signal(signal.SIGTERM, on_sigterm)\n")
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG007",))
    assert [d.line for d in report.diagnostics] == [5]


def test_the_trace_of_one_conditional_registration_names_its_condition_on_the_way(run_sigcheck):
    """Megatron: `if args.exit_signal_handler:` two calls up from an unconditional registration.
    The trace was the registration line alone, which names no condition."""
    files = {
        "handler.py": """
import signal

class Handler:
    def __enter__(self):
        signal.signal(signal.SIGTERM, self.on_sigterm)
        return self

    def on_sigterm(self, signum, frame):
        self.got = True
""",
        "train.py": """
from handler import Handler

def main(args):
    handler = None
    if args.exit_signal_handler:
        handler = Handler().__enter__()
    for batch in loader:
        model(batch).backward()
        optimizer.step()
        if handler is not None and handler.got:
            save_and_exit()

main(parse())
""",
    }
    [finding] = run_sigcheck(files, ["train.py"], select=("SIG007",)).diagnostics
    assert [(step.path, step.line, step.note) for step in finding.trace] == [
        ("train.py", 13, "calls main"), ("train.py", 5, "only when this condition holds"),
        ("train.py", 6, "calls Handler.__enter__"), ("handler.py", 5, "SIGTERM handler registered here")]


SETUP_ON_BOTH_SIDES = """
import signal, sys

def setup():
    signal.signal(signal.SIGTERM, on_sigterm)

def main(args):
    if args.resume:
        setup()
        load(args.resume)
    else:
        setup()
    for batch in loader:
        model(batch).backward()
        optimizer.step()

main(parse())
"""


def test_one_function_called_on_both_sides_of_an_if_registers_in_every_run(run_sigcheck):
    report = run_sigcheck({"train.py": SETUP_ON_BOTH_SIDES}, ["train.py"], select=("SIG007",))
    assert report.diagnostics == []


def test_one_function_called_on_one_side_only_registers_under_the_condition(run_sigcheck):
    code = SETUP_ON_BOTH_SIDES.replace("    else:\n        setup()\n", "    else:\n        load(None)\n")
    [finding] = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG007",)).diagnostics
    assert finding.line == 4 and "only under a condition" in finding.message
