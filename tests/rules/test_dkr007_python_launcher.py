"""DKR007 on a Python launcher an image runs, which starts the trainer as its child: more of the
rule's examples, run as its own are (tests/rules/test_examples.py)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example
from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES, _LAUNCHER, _LAUNCHER_REPORTED

VALID = (
        Example(_LAUNCHER, "os.execv replaces the launcher: the trainer is PID 1 and receives SIGTERM", {
            "train.py": _HANDLES, "launch.py": """
import os, sys

os.execv(sys.executable, [sys.executable, "/opt/program/train.py", *sys.argv[1:]])
"""}, name="Dockerfile"),
        Example(_LAUNCHER, "the child has no SIGTERM handler to defeat (SIG010 and SIG001 report it)", {
            "train.py": "for batch in loader:\n    optimizer.step()\n", "launch.py": """
import subprocess, sys

sys.exit(subprocess.call([sys.executable, "/opt/program/train.py"]))
"""}, name="Dockerfile"),
)
INVALID = (
        Example(_LAUNCHER_REPORTED, "the launcher starts the trainer with Popen and has no handler to forward SIGTERM", {
            "train.py": _HANDLES, "launch.py": """
import subprocess, sys

proc = subprocess.Popen([sys.executable, "/opt/program/train.py", *sys.argv[1:]])
sys.exit(proc.wait())
"""}, name="Dockerfile"),
        Example(_LAUNCHER_REPORTED, "os.system puts a /bin/sh between the launcher and the trainer", {
            "train.py": _HANDLES, "launch.py": """
import os

os.system("python -u /opt/program/train.py --epochs 10")
"""}, name="Dockerfile"),
        Example(_LAUNCHER_REPORTED, "the launcher's handler exits without passing the signal on", {
            "train.py": _HANDLES, "launch.py": """
import os, signal, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
subprocess.run([sys.executable, os.path.join(here, "train.py")], check=True)
"""}, name="Dockerfile"),
)


@pytest.mark.parametrize("example", VALID, ids=[e.why for e in VALID])
def test_a_launcher_that_hands_the_signal_on_or_has_none_to_defeat_is_silent(example, example_findings):
    found, _ = example_findings("DKR007", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", INVALID, ids=[e.why for e in INVALID])
def test_a_launcher_that_keeps_the_signal_from_the_trainer_is_reported(example, example_findings):
    found, marked = example_findings("DKR007", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


def test_deepspeeds_runner_called_in_the_launcher_is_the_step_that_keeps_the_signal(run_sigcheck):
    """gpt-neox's deepy.py runs the deepspeed command in its own process: the launcher's PID is
    deepspeed's runner's, which on one node passes SIGTERM on to no worker."""
    launch = ("import sys\n\nimport deepspeed.launcher.runner\n\n"
              "deepspeed.launcher.runner.main([\"--num_gpus\", \"8\", \"/opt/program/train.py\"] + sys.argv[1:])\n")
    files = {"Dockerfile": _LAUNCHER, "train.py": _HANDLES, "launch.py": launch}
    (finding,) = run_sigcheck(files, ["."], select=("DKR007",)).diagnostics
    assert (finding.path, finding.line) == ("launch.py", 5)
    assert finding.message.startswith("deepspeed starts its workers through deepspeed.launcher.launch and passes SIGTERM "
                                      "on only in multi-node runs: train.py never receives SIGTERM")
