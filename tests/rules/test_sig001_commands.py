"""SIG001 where a command-line runner picks one command: each command is judged on its own, so
every command that trains with no handler is reported at once, not one after another as each is
fixed. Run through SIG001 as its own examples are (the rule's module keeps its first examples)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

COMMANDS = (
    Example("""
import torch
from jsonargparse import CLI


def finetune(steps: int = 1000):
    # expect: SIG001
    for step in range(steps):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()


def pretrain(steps: int = 100000):
    # expect: SIG001
    for step in range(steps):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    CLI({"finetune": finetune, "pretrain": pretrain})
""", "two commands train with no handler: both are reported, each in its command"),
    Example("""
import click


@click.group()
def cli():
    pass


@cli.command()
def pretrain():
    fit(epochs=100)


@cli.command()
def finetune():
    fit(epochs=3)


def fit(epochs):
    # expect: SIG001
    for epoch in range(epochs):
        for batch in loader:
            model(batch).backward()
            optimizer.step()


if __name__ == "__main__":
    cli()
""", "two commands share one training loop: it is reported once"),
    Example("""
import signal, sys
import fire


def save_and_exit(signum, frame):
    save_checkpoint()
    sys.exit(0)


def pretrain(steps=100000):
    signal.signal(signal.SIGTERM, save_and_exit)
    for step in range(steps):
        model(next(batches)).backward()
        optimizer.step()


def finetune(steps=1000):
    signal.signal(signal.SIGTERM, save_and_exit)
    for step in range(steps):
        model(next(batches)).backward()
        optimizer.step()


if __name__ == "__main__":
    fire.Fire({"pretrain": pretrain, "finetune": finetune})
""", "every command registers its handler before it trains: nothing to report"),
    Example("""
import torch
from utils import CLI


def setup(steps: int = 100000):
    # expect: SIG001
    for step in range(steps):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    CLI(setup)
""", "the project's own wrapper hands its arguments on to jsonargparse's CLI, which runs setup", name="pretrain.py",
            files={"utils.py": "from jsonargparse import CLI as _cli\n\n\ndef CLI(*args, **kwargs):\n"
                               "    return _cli(*args, **kwargs)\n"}),
        Example("""
import signal, sys
import click


@click.group()
def cli():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


@cli.command()
def train():
    for batch in loader:
        model(batch).backward()
        optimizer.step()


if __name__ == "__main__":
    cli()
""", "a click group's own function runs before the subcommand the command line names: its handler covers train"),
)


@pytest.mark.parametrize("example", COMMANDS, ids=lambda e: e.why[:60])
def test_each_command_is_judged_on_its_own(example, example_findings):
    found, marked = example_findings("SIG001", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


def test_a_command_is_named_as_the_command_line_names_it(run_sigcheck):
    """litgpt: `CLI({"pretrain": setup, ...})`: `litgpt pretrain` runs setup."""
    files = {"cli.py": "from jsonargparse import CLI\nfrom pretrain import setup\nfrom chat import main as chat_main\n\n"
                       "if __name__ == '__main__':\n    CLI({'pretrain': setup, 'chat': chat_main})\n",
             "pretrain.py": "import torch\n\n\ndef setup(steps: int = 1000):\n    for step in range(steps):\n"
                            "        model(torch.randn(8, 4)).sum().backward()\n        optimizer.step()\n",
             "chat.py": "def main():\n    print(input())\n"}
    report = run_sigcheck(files, ["cli.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "with no SIGTERM handler in command pretrain:" in finding.message


_WRAPPED_COMMANDS = """
import functools

import click
import torch


def send_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@send_errors
def load_cfg(path):
    return {"path": path}


@send_errors
def train_model(cfg):
    for step in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()


@click.group()
def cli():
    pass


@cli.command()
@click.argument("config")
def preprocess(config):
    load_cfg(config)


@cli.command()
@click.argument("config")
def train(config):
    train_model(load_cfg(config))


if __name__ == "__main__":
    cli()
"""


def test_a_wrapper_shared_by_two_commands_runs_in_each_only_that_commands_defs(run_sigcheck):
    """axolotl's `@send_errors` wraps load_cfg (both commands) and train (one): the preprocess
    command trains nothing, so only `train` is reported, and named as such (triage BW)."""
    (finding,) = run_sigcheck({"main.py": _WRAPPED_COMMANDS}, ["main.py"], select=("SIG001",)).diagnostics
    assert finding.line == 22 and "in command train" in finding.message


@pytest.mark.parametrize("runner", ["logging.run_cli(main, level=logging.INFO)", "logging.run_main(main)"])
def test_sensais_runners_run_the_function_they_are_given(run_sigcheck, runner):
    """tianshou's examples end in `logging.run_cli(main)`, sensAI's jsonargparse wrapper (triage CA)."""
    code = ("import torch\nfrom sensai.util import logging\n\n\ndef main(epochs: int = 1000):\n"
            "    for _ in range(epochs):\n        model(batch).backward()\n        optimizer.step()\n\n\n"
            f"if __name__ == '__main__':\n    {runner}\n")
    (finding,) = run_sigcheck({"train.py": code}, select=("SIG001",)).diagnostics
    assert finding.line == 6
