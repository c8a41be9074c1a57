"""Ignite's event handlers run inside the engine's run: a step, a flag check, a save or a
`terminate()` in one attached with `@trainer.on(event)` or `trainer.add_event_handler(event, f)`
counts as the fit's own (triage BR)."""

from __future__ import annotations

import pytest

_STEP = """
    def step(engine, batch):
        loss = model(batch).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
_FLAGGED = """
import signal
import subprocess

import torch
from ignite.engine import Engine, Events

STOP = {{"now": False}}


def on_sigterm(signum, frame):
    STOP["now"] = True


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.Adam(model.parameters())
    server = subprocess.Popen(["tensorboard", "--logdir", "runs"])
""" + _STEP + """
    trainer = Engine(step)

{attach}
    def stop_if_asked(engine):
        if STOP["now"]:
            torch.save(model.state_dict(), "ckpt.pt")
            {stop}

{later}
    trainer.run(range(100), max_epochs=1000)


if __name__ == "__main__":
    main()
"""
_DECORATED = ("    @trainer.on(Events.ITERATION_COMPLETED)", "")
_ADDED = ("", "    trainer.add_event_handler(Events.ITERATION_COMPLETED, stop_if_asked)")


@pytest.mark.parametrize("attach, later", [_DECORATED, _ADDED], ids=["decorated", "added"])
@pytest.mark.parametrize("stop", ["engine.terminate()", "trainer.terminate()", "engine.terminate_epoch()"])
def test_a_handler_that_checks_the_flag_saves_and_terminates_the_engine_stops_the_fit(run_sigcheck, attach, later, stop):
    code = _FLAGGED.format(attach=attach, later=later, stop=stop)
    assert run_sigcheck({"train.py": code}).diagnostics == []


@pytest.mark.parametrize("attach, later", [_DECORATED, _ADDED], ids=["decorated", "added"])
def test_terminating_a_child_process_does_not_stop_the_fit(run_sigcheck, attach, later):
    code = _FLAGGED.format(attach=attach, later=later, stop="server.terminate()")
    assert [d.code for d in run_sigcheck({"train.py": code}).diagnostics] == ["SIG004"]


_STEPPED_IN_A_HANDLER = """
import torch
from ignite.engine import Engine, Events


def main():
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.Adam(model.parameters())
    losses = []

    def collect(engine, timestep):
        losses.append(model(torch.randn(4)).sum())

    trainer = Engine(collect)

    @{decorator}
    def update_model(engine):
        loss = torch.stack(losses).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.clear()

    trainer.run(range(100), max_epochs=1000)


main()
"""


def test_a_step_taken_in_an_event_handler_makes_the_run_a_fit(run_sigcheck):
    """Ignite's actor-critic example collects a rollout in the process function and updates the
    model when the episode completes."""
    code = _STEPPED_IN_A_HANDLER.format(decorator="trainer.on(Events.EPOCH_COMPLETED)")
    (finding,) = run_sigcheck({"train.py": code}).diagnostics
    assert finding.code == "SIG001" and finding.line == 23 and finding.message.startswith("Fit call runs")


def test_a_function_another_library_decorates_is_no_handler_of_the_engine(run_sigcheck):
    code = _STEPPED_IN_A_HANDLER.format(decorator="torch.no_grad()")
    assert run_sigcheck({"train.py": code}).diagnostics == []
