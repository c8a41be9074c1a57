"""A Kubernetes container whose command is `sh -c '...'`: the shell is the pod's PID 1, and unless
it runs the trainer in its place (`exec`, or bash's last simple command) it waits for it as a child
and keeps SIGTERM, as PID 1 without a trap (awsome-distributed-training's manifests; triage AX)."""

from __future__ import annotations

import pytest

from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES as HANDLES

TRAINS = HANDLES.replace("signal.signal(signal.SIGTERM, on_sigterm)\n", "")


def judged(report) -> list:
    """The findings about the stop (the examples' trainer also writes under /opt/ml: OPT001)."""
    return [d for d in report.diagnostics if d.code != "OPT001"]


def job(command: str, grace: str = "") -> str:
    return ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: train\nspec:\n  template:\n    spec:\n"
            f"{grace}      containers:\n        - name: trainer\n          image: my-image\n"
            f"          command: {command}\n")


@pytest.mark.parametrize("command", [
    '["/bin/sh", "-c", "python train.py; echo finished"]',
    '["sh", "-c", "cd /workspace && python train.py"]',
    '["bash", "-c", "python train.py | tee /tmp/train.log"]',
], ids=["not the last command", "dash runs a list's last command as a child too", "a pipeline"])
def test_the_pods_shell_keeps_sigterm_from_the_trainer(run_sigcheck, command):
    report = run_sigcheck({"job.yaml": job(command, "      terminationGracePeriodSeconds: 300\n"),
                           "train.py": HANDLES}, ["job.yaml", "train.py"], platform="kubernetes")
    (finding,) = judged(report)
    assert (finding.code, finding.path, finding.line) == ("DKR007", "job.yaml", 12)
    assert "is the pod's PID 1 and runs `python train.py" in finding.message
    assert "SIGKILLed 300 s after a stop" in finding.message


@pytest.mark.parametrize("command", [
    '["sh", "-c", "exec python train.py"]',
    '["bash", "-c", "python train.py"]',
    '["bash", "-c", "cd /workspace && python train.py"]',
    '["python", "train.py"]',
], ids=["exec", "bash runs a lone command in its place", "and a list's last since 5.1", "no shell"])
def test_the_trainer_receives_sigterm(run_sigcheck, command):
    report = run_sigcheck({"job.yaml": job(command), "train.py": HANDLES}, ["job.yaml", "train.py"],
                          platform="kubernetes")
    assert [d.code for d in judged(report)] == []


def test_a_trainer_without_a_handler_is_told_none_would_run(run_sigcheck):
    report = run_sigcheck({"job.yaml": job('["/bin/sh", "-c", "python train.py; echo finished"]'),
                           "train.py": TRAINS}, ["job.yaml", "train.py"], platform="kubernetes")
    (finding,) = judged(report)
    assert finding.code == "SIG001" and "and none would run: `sh -c`, at job.yaml:11" in finding.message
