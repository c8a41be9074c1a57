"""A Python launcher on the launch chain: the chain continues to the script it starts, and says
whether the launcher passes SIGTERM on (forwards, execs) or keeps it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sigcheck.checking.engine import prepare
from sigcheck.config.settings import Settings
from sigcheck.container.chain import FORWARDS, REPLACED, STOPS
from sigcheck.container.explain import describe

TRAIN = """
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    optimizer.step()
"""
DOCKERFILE = 'FROM python:3.11\nCOPY launch.py train.py /opt/program/\nENTRYPOINT ["python", "/opt/program/launch.py"]\n'


@pytest.fixture(autouse=True)
def _in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths are shown relative to the working directory


def container_of(tmp_path: Path, launcher: str, dockerfile: str = DOCKERFILE, train: str = TRAIN):
    files = {"Dockerfile": dockerfile, "launch.py": launcher, "train.py": train, "pyproject.toml": ""}
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    (tmp_path / "train.py").chmod(0o755)  # a program on PATH must be executable
    _, analysis = prepare([tmp_path / "Dockerfile"], Settings())
    [facts] = analysis.containers
    return facts, analysis


def test_a_launcher_without_a_handler_keeps_the_signal_from_the_trainer(tmp_path):
    facts, analysis = container_of(tmp_path, """
        import subprocess, sys
        proc = subprocess.Popen([sys.executable, "/opt/program/train.py", *sys.argv[1:]])
        sys.exit(proc.wait())
    """)
    assert [s.kind for s in facts.steps] == ["entrypoint", "python-launcher", "python"]
    assert facts.spawn.call == "subprocess.Popen" and facts.spawn.passes == STOPS
    assert facts.full_chain.receives() == [True, True, False]
    assert facts.trainer_display == "train.py" and facts.handles_sigterm(facts.trainer)
    trace = facts.trace()
    assert [facts.where(p) for p in trace] == ["Dockerfile:3", "launch.py:2", "train.py:6"]
    assert "registers its SIGTERM handler" in trace[-1].note
    text = describe(facts, analysis)
    assert "launch.py:2" in text and "never receives SIGTERM" in text and "SIGKILL after 120 s" in text


# a launcher whose handler raises, and whose `finally` then stops the child: `{stop}()`
_UNWINDS_TO = """
        import signal, subprocess
        def stop(signum, frame):
            raise SystemExit(1)
        signal.signal(signal.SIGTERM, stop)
        proc = subprocess.Popen(["python", "train.py"], cwd="/opt/program")
        try:
            proc.wait()
        finally:
            proc.{stop}()
    """


@pytest.mark.parametrize("launcher, passes", [
    ("""
        import signal, subprocess, sys
        proc = subprocess.Popen(["python", "/opt/program/train.py"])
        signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
        sys.exit(proc.wait())
    """, FORWARDS),
    ("""
        import os
        os.execvp("python", ["python", "/opt/program/train.py"])
    """, REPLACED),
    (_UNWINDS_TO.format(stop="terminate"), FORWARDS),
])
def test_a_launcher_that_forwards_or_execs_delivers_the_signal(tmp_path, launcher, passes):
    facts, _ = container_of(tmp_path, launcher)
    assert facts.spawn.passes == passes
    assert facts.full_chain.receives()[-1] is True


def test_a_launcher_that_kills_its_child_outright_delivers_nothing(tmp_path):
    """`proc.kill()` sends SIGKILL: the trainer's handler never runs (axlearn's agent; triage BP)."""
    facts, _ = container_of(tmp_path, _UNWINDS_TO.format(stop="kill"))
    assert facts.spawn.passes == STOPS
    assert facts.full_chain.receives()[-1] is False


def test_a_shell_command_line_adds_a_shell_step(tmp_path):
    facts, _ = container_of(tmp_path, """
        import subprocess
        subprocess.call("cd /opt/program && python train.py --epochs 3", shell=True)
    """)
    assert facts.spawn.shell and [s.kind for s in facts.steps] == ["entrypoint", "python-launcher", "shell-c", "python"]


def test_a_group_signal_reaches_the_child_unless_it_starts_a_new_session(tmp_path):
    grouped = 'FROM python:3.11\nCOPY launch.py train.py /opt/program/\nENTRYPOINT ["dumb-init", "python", "/opt/program/launch.py"]\n'
    facts, _ = container_of(tmp_path, """
        import subprocess
        subprocess.run(["python", "/opt/program/train.py"])
    """, grouped)
    assert facts.spawn.passes == STOPS and facts.full_chain.receives()[-1] is True
    facts, _ = container_of(tmp_path, """
        import subprocess
        subprocess.run(["python", "/opt/program/train.py"], start_new_session=True)
    """, grouped)
    assert facts.full_chain.receives()[-1] is False


def test_a_command_sigcheck_cannot_compute_is_not_followed(tmp_path):
    facts, _ = container_of(tmp_path, """
        import subprocess, sys
        # train.py
        subprocess.run(sys.stdin.readline().split())
    """)
    assert facts.spawn is None and [s.kind for s in facts.steps] == ["entrypoint", "python"]


# SageMaker's TensorFlow images: `ENTRYPOINT ["python", "dockerd-entrypoint.py"]`, which runs the
# `train` SageMaker passes it as a child.
ARGUMENTS_DOCKERFILE = ('FROM python:3.11\nCOPY launch.py /opt/program/\nCOPY train.py /opt/program/train\n'
                        'ENV PATH="/opt/program:${PATH}"\nENTRYPOINT ["python", "/opt/program/launch.py"]\n')
TRAIN_PROGRAM = "#!/usr/bin/env python\n" + TRAIN


@pytest.mark.parametrize("command", [
    "subprocess.check_call(shlex.split(' '.join(sys.argv[1:])))",
    "subprocess.check_call(sys.argv[1:])",
    "args = sys.argv[1:]\nsubprocess.run(args)",
    "subprocess.call(' '.join(sys.argv[1:]), shell=True)",
])
def test_a_launcher_running_its_own_arguments_starts_the_program_they_name(tmp_path, command):
    facts, analysis = container_of(tmp_path, f"import shlex, subprocess, sys\n{command}\n", ARGUMENTS_DOCKERFILE,
                                   TRAIN_PROGRAM)
    assert facts.spawn is not None and facts.spawn.passes == STOPS
    assert facts.trainer_display == "train.py" and facts.full_chain.receives()[-1] is False
    assert "never receives SIGTERM" in describe(facts, analysis)


@pytest.mark.parametrize("command", ["subprocess.check_call(sys.argv[2:])", "subprocess.check_call(sys.argv)",
                                     "subprocess.check_call(['echo', *sys.argv[1:]])"])
def test_other_uses_of_the_arguments_are_no_launch_of_them(tmp_path, command):
    facts, _ = container_of(tmp_path, f"import subprocess, sys\n{command}\n", ARGUMENTS_DOCKERFILE, TRAIN_PROGRAM)
    assert facts.spawn is None


def test_a_launcher_running_the_toolkits_train_shows_it_and_no_trainer_of_its_own(tmp_path):
    """SageMaker's TensorFlow images: the entry script runs `train`, the toolkit's, whose script
    comes with the job. The chain goes on to the toolkit; the launcher is no trainer."""
    dockerfile = ('FROM python:3.11\nRUN pip install tensorflow sagemaker-training\n'
                  'COPY launch.py /usr/local/bin/\nENTRYPOINT ["python", "/usr/local/bin/launch.py"]\n')
    facts, analysis = container_of(tmp_path, "import shlex, subprocess, sys\n"
                                             "subprocess.check_call(shlex.split(' '.join(sys.argv[1:])))\n", dockerfile)
    assert [s.kind for s in facts.steps] == ["entrypoint", "python-launcher", "toolkit"]
    assert facts.spawn.passes == STOPS and facts.trainer is None and facts.trainer_display is None
    text = describe(facts, analysis)
    assert "SAGEMAKER_PROGRAM, which the image does not set" in text and "trainer launch.py" not in text


def test_a_launcher_starting_a_distributed_launch_of_an_installed_module_shows_it(tmp_path):
    """vertex-ai-samples' axolotl image: the entry script runs `accelerate launch -m
    axolotl.cli.train`, a module the image installs. The chain goes on to accelerate."""
    facts, analysis = container_of(tmp_path, """
        import subprocess
        subprocess.run(["accelerate", "launch", "-m", "axolotl.cli.train", "config.yaml"], check=True)
    """)
    assert [s.kind for s in facts.steps] == ["entrypoint", "python-launcher", "launcher"]
    assert facts.spawn.passes == STOPS and facts.trainer is None
    text = describe(facts, analysis)
    assert "never receives SIGTERM" in text and "trainer launch.py" not in text
