"""SIG002 on what a run runs: a handler one command of a command-line app registers covers that
command's run, not the training another command does. An engine behaviour SIG002's verdict rests
on, kept apart from the rule's own examples (the Hydra-configured callbacks are in
test_sig002_hydra_callbacks.py)."""

from __future__ import annotations

from sigcheck.rules.sig001_missing_sigterm_handler import MissingSigtermHandler


def test_a_handler_of_another_commands_run_is_not_judged_here(example_findings):
    """SIG001's Typer example: `serve` registers the handler, `train` trains. The handler is
    serve's, which trains nothing: train's missing handler is SIG001's, not a handler that never saves."""
    [example] = [e for e in MissingSigtermHandler.invalid if "serve's handler" in e.why]
    found, _ = example_findings("SIG002", example)
    assert found == []
    assert example_findings("SIG001", example)[0]  # the same program: SIG001 reports train's loop
