"""`bash -c STRING` runs the string's last simple command in its own place: a lone one in any
version, the last of a list since bash 5.1, so the trainer receives SIGTERM itself. dash, Debian's
/bin/sh, forks it and keeps the signal (triage AW, checked with bash 5.2 and dash 0.5.12)."""

from __future__ import annotations

import pytest

from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES as HANDLES


def dkr(report) -> list[tuple[str, str]]:
    return [(d.code, d.message.split(" starts")[0]) for d in report.diagnostics if d.code.startswith("DKR")]


def image(argv: str) -> str:
    return f"FROM python:3.11-slim\nCOPY train.py /app/train.py\nWORKDIR /app\nENTRYPOINT {argv}\n"


@pytest.mark.parametrize("argv", [
    '["bash", "-c", "python train.py"]',
    '["bash", "-c", "cd /app && python train.py"]',
    '["/bin/bash", "-c", "export NCCL_DEBUG=INFO; python /app/train.py"]',
], ids=["a lone command", "the last of an and-list", "the last after an export"])
def test_bash_runs_the_trainer_in_its_place(run_sigcheck, argv):
    report = run_sigcheck({"Dockerfile": image(argv), "train.py": HANDLES}, ["."])
    assert dkr(report) == []


@pytest.mark.parametrize("argv, shell", [
    ('["sh", "-c", "python train.py"]', "sh"),
    ('["bash", "-c", "python train.py | tee /tmp/log"]', "bash"),
    ('["bash", "-c", "python train.py; echo done"]', "bash"),
    ('["bash", "-c", "python train.py > /tmp/log 2>&1"]', "bash"),
    ('["bash", "-c", "trap \'echo bye\' TERM; python train.py"]', "bash"),
], ids=["dash", "a pipeline", "not the last command", "a redirection", "a trap"])
def test_a_shell_that_keeps_the_signal(run_sigcheck, argv, shell):
    report = run_sigcheck({"Dockerfile": image(argv), "train.py": HANDLES}, ["."])
    assert dkr(report) == [("DKR004", f"`{shell} -c`")]


@pytest.mark.parametrize("line, found", [
    ('eval "$@"', ["DKR004"]),
    ('"$@"', ["DKR004"]),
    ('eval exec "$@"', []),
    ('exec "$@"', []),
], ids=["eval", "plain", "eval exec", "exec"])
def test_a_wrapper_that_evals_its_arguments_runs_them_as_a_child(run_sigcheck, line, found):
    """mmpose's serve image (and mmdet's, mmseg's): `else eval "$@"` in its ENTRYPOINT script runs
    SageMaker's `train` as bash's child, as `"$@"` does (triage CV)."""
    dockerfile = ("FROM python:3.11-slim\nCOPY train.py /opt/program/train\nRUN chmod +x /opt/program/train\n"
                  'ENV PATH="/opt/program:${PATH}"\nCOPY entrypoint.sh /usr/local/bin/entrypoint.sh\n'
                  'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]\n')
    wrapper = f'#!/bin/bash\nset -e\nif [[ "$1" = "serve" ]]; then\n    echo serving\nelse\n    {line}\nfi\n'
    report = run_sigcheck({"Dockerfile": dockerfile, "entrypoint.sh": wrapper, "train.py": "#!/usr/bin/env python\n" + HANDLES},
                          ["."], platform="sagemaker")
    assert [code for code, _ in dkr(report)] == found
