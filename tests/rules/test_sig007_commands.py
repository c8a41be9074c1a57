"""SIG007 where a command-line runner picks one command: a handler registered in another
command's run (unsloth's password prompt beside its `train`; triage BK) neither protects the
training nor comes late to it, while one registered late in the training command's own run does."""

from __future__ import annotations

CLI = """
import signal, sys
import torch
import typer

from prompt import read_password

app = typer.Typer()


def on_sigterm(signum, frame):
    sys.exit(0)


@app.command()
def train(steps: int = 1_000_000):
    model = torch.nn.Linear(10, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(steps):
        model(torch.randn(8, 10)).pow(2).mean().backward()
        opt.step()
LATE


@app.command()
def login():
    print(len(read_password()))


if __name__ == "__main__":
    app()
"""
PROMPT = """
import signal


class RestoreTtyOnSignals:
    def __enter__(self):
        def restore(signum, frame):
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

        self.previous = signal.signal(signal.SIGTERM, restore)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self.previous)


def read_password():
    with RestoreTtyOnSignals():
        return input("password: ")
"""


def test_a_handler_of_another_command_is_not_late_to_the_training(run_sigcheck):
    report = run_sigcheck({"cli.py": CLI.replace("LATE", ""), "prompt.py": PROMPT}, ["cli.py"])
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "cli.py")]


def test_one_registered_late_in_the_training_commands_own_run_is(run_sigcheck):
    late = "    signal.signal(signal.SIGTERM, on_sigterm)"
    report = run_sigcheck({"cli.py": CLI.replace("LATE", late), "prompt.py": PROMPT}, ["cli.py"], select=("SIG007",))
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG007", "cli.py")]
