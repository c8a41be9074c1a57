"""Running and stopping a command: the stop signal to PID 1, the deadline, --when, files and children."""

from __future__ import annotations

import os
import re
import signal
import sys
import textwrap
import time

import pytest

from sigcheck.verify import observation
from sigcheck.verify.layout import create_layout, remove_layout
from sigcheck.verify.namespace import no_namespace, pid_namespace
from sigcheck.verify.report import Outcome
from sigcheck.verify.runner import RunPlan, run
from sigcheck.verify.status import SilentProgress

needs_namespace = pytest.mark.skipif(not pid_namespace().pid1, reason=f"no PID namespace here: {pid_namespace().reason}")

NO_HANDLER = """
import time
print("ready", flush=True)
while True:
    time.sleep(0.02)
"""

SAVES_ON_SIGTERM = """
import os, signal, sys, time
def on_sigterm(signum, frame):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.bin"), "wb") as fh:
        fh.write(b"weights")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_sigterm)
with open(os.path.join(os.environ["SM_CHECKPOINT_DIR"], "early.json"), "w") as fh:
    fh.write("{}")
print("ready", flush=True)
while True:
    time.sleep(0.02)
"""


@pytest.fixture
def verify(tmp_path):
    """`verify(script, pid1=..., after=..., when=..., grace=...)`: run the script and stop it."""
    layouts = []

    def run_script(script: str, pid1: bool = True, after: float | None = 0.3, when: str | None = None,
                   grace: float = 1.0):
        path = tmp_path / "job.py"
        path.write_text(textwrap.dedent(script))
        layout = create_layout(parent=tmp_path)
        layouts.append(layout)
        isolation = pid_namespace() if pid1 else no_namespace("--no-pid1 asks for it")
        env = {**os.environ, **layout.environment(), "PYTHONUNBUFFERED": "1"}
        plan = RunPlan((sys.executable, str(path)), env, layout, isolation, signal.SIGTERM, grace, after,
                       re.compile(when) if when else None)
        return Outcome(run(plan, SilentProgress()), "sagemaker", "--grace")

    yield run_script
    for layout in layouts:
        remove_layout(layout)


@needs_namespace
def test_pid1_without_handler_ignores_sigterm_until_the_deadline(verify):
    outcome = verify(NO_HANDLER, pid1=True, grace=1.0)
    result = outcome.result
    assert result.killed_at_deadline
    assert result.seconds_to_exit == pytest.approx(1.0, abs=0.3)
    assert result.returncode == -signal.SIGKILL
    assert outcome.stopped_by == "deadline" and outcome.saved is False
    assert outcome.verdict() == "killed at the deadline, nothing saved"


def test_ordinary_process_without_handler_dies_from_sigterm_at_once(verify):
    outcome = verify(NO_HANDLER, pid1=False, grace=5.0)
    result = outcome.result
    assert not result.killed_at_deadline
    assert result.returncode == -signal.SIGTERM
    assert result.seconds_to_exit < 0.5
    assert outcome.stopped_by == "signal"
    assert outcome.verdict().startswith("stopped in 0.") and outcome.verdict().endswith("(killed by SIGTERM), nothing saved")


@pytest.mark.parametrize("pid1", [pytest.param(True, marks=needs_namespace), False])
def test_handler_that_saves_is_seen_saving_after_the_signal(verify, pid1):
    outcome = verify(SAVES_ON_SIGTERM, pid1=pid1, when="^ready$", after=0.2, grace=5.0)
    assert outcome.saved and outcome.stopped and outcome.stopped_by == "exit"
    saved = {f.path: f for f in outcome.saved_files}
    assert set(saved) == {"model/model.bin"} and saved["model/model.bin"].size == 7
    early = next(f for f in outcome.result.files if f.path == "checkpoints/early.json")
    assert not early.after_signal  # written before the stop: not evidence that the stop saved
    assert outcome.verdict().startswith("saved artifacts and stopped in 0.")
    assert outcome.exit_code == 0


def test_when_waits_for_the_matching_line(verify):
    script = """
    import time
    for i in range(100):
        print(f"step {i}", flush=True)
        time.sleep(0.05)
    """
    outcome = verify(script, pid1=False, after=None, when=r"^step 12$", grace=2.0)
    result = outcome.result
    assert result.trigger == "output matched '^step 12$'"
    assert result.signal_sent_at == pytest.approx(0.6, abs=0.4)
    assert result.output_tail[-1] in ("step 12", "step 13")  # SIGTERM kills it within a step


def test_command_that_ends_before_the_signal_is_not_verified(verify):
    outcome = verify("print('done')", pid1=False, after=5.0)
    assert outcome.stopped_by == "before-signal" and outcome.saved is None
    assert outcome.exit_code == 2
    assert "before the stop signal was sent" in outcome.verdict()
    assert outcome.result.output_tail == ["done"]


@pytest.mark.parametrize("pid1, fate", [
    pytest.param(True, "killed by the kernel when PID 1 exited", marks=needs_namespace),
    (False, "still running when the command exited; killed by sigcheck"),
])
def test_children_left_behind_are_reported_and_killed(verify, pid1, fate):
    script = """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # exits without stopping the child
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(60)
    """
    outcome = verify(script, pid1=pid1, after=0.5, grace=2.0)
    children = outcome.result.left_behind
    assert [(c.fate, "time.sleep(60)" in c.command) for c in children] == [(fate, True)]
    time.sleep(0.2)
    assert not os.path.exists(f"/proc/{children[0].pid}") or _is_zombie(children[0].pid)
    assert "1 child process(es) left behind" in outcome.verdict()


@needs_namespace
def test_a_child_that_finished_first_is_not_left_behind(verify):
    """A launcher that forwards the signal and waits exits moments after its worker: the worker
    ended on its own, before PID 1 started to exit."""
    script = """
    import signal, subprocess, sys
    signal.signal(signal.SIGTERM, lambda signum, frame: worker.send_signal(signum))
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    sys.exit(worker.wait())
    """
    # The handler goes first and the stop comes late enough for a loaded machine to have started
    # the worker: a stop before that would test the interpreter's start-up, not the race below.
    for _ in range(3):  # the race it guards against would show in most runs
        outcome = verify(script, pid1=True, after=1.5, grace=2.0)
        assert outcome.stopped_by == "exit"
        assert outcome.result.left_behind == []



@needs_namespace
@pytest.mark.usefixtures("status_through_pidfd")  # the kernel keeps exit statuses (6.15)
def test_a_late_exit_watch_still_tells_who_ended_first(verify, monkeypatch):
    """The watching thread as late as can be: every child's end is seen after PID 1 began to exit.
    How each child died still tells: the forwarded SIGTERM ended the worker, PID 1's exit killed
    the orphan (with SIGKILL)."""
    monkeypatch.setattr(observation, "is_exiting", lambda pid: True)
    script = """
    import signal, subprocess, sys, time
    sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    orphan = subprocess.Popen([*sleep, "orphan"])
    worker = subprocess.Popen([*sleep, "worker"])
    signal.signal(signal.SIGTERM, lambda signum, frame: worker.send_signal(signum))
    sys.exit(worker.wait())
    """
    outcome = verify(script, pid1=True, after=1.5, grace=2.0)
    assert outcome.stopped_by == "exit"
    assert [c.command.rsplit(" ", 1)[-1] for c in outcome.result.left_behind] == ["orphan"]

def test_writes_outside_the_output_areas_are_lost(verify):
    script = """
    import os, signal, sys, time
    def on_sigterm(signum, frame):
        with open(os.path.join(os.environ["SM_INPUT_DIR"], "cache.bin"), "w") as fh:
            fh.write("x")
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_sigterm)
    while True:
        time.sleep(0.02)
    """
    outcome = verify(script, pid1=False, after=0.5, grace=2.0)
    assert [f.path for f in outcome.lost_writes] == ["input/cache.bin"]
    assert outcome.saved is False
    assert "1 file(s) written outside model/, checkpoints/ and output/ are lost" in outcome.verdict()


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
