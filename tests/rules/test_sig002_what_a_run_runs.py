"""SIG002 on what a run runs: a handler one command of a command-line app registers covers that
command's run, not the training another command does. An engine behaviour SIG002's verdict rests
on, kept apart from the rule's own examples (the Hydra-configured callbacks are in
test_sig002_hydra_callbacks.py)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

SILENT = (
        Example("""
import signal, sys
import typer

app = typer.Typer()


@app.command()
def serve(port: int = 8080):
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    run_server(port)


@app.command()
def train(epochs: int = 10):
    for epoch in range(epochs):
        for batch in loader:
            model(batch).backward()
            optimizer.step()


if __name__ == "__main__":
    app()
""", "the handler belongs to the serve command, which trains nothing: train's missing handler is SIG001's"),
)


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.why[:60])
def test_a_handler_of_another_commands_run_is_not_judged_here(example, example_findings):
    found, _ = example_findings("SIG002", example)
    assert found == []
