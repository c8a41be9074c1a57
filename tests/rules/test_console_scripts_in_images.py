"""An image that installs the project (`pip install .`) has its console scripts on PATH: a command
that names one runs the program pip writes, which calls the declared function (triage AZ, BA)."""

from __future__ import annotations

import pytest

TRAIN = """
import os, signal, sys
import torch


def main():
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), "m.pt")
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
"""
PROJECT = '[project]\nname = "pkg"\nversion = "0.1"\n\n[project.scripts]\nmy-trainer = "pkg.train:main"\n'


def files(entry: str, install: str = "RUN pip install .\n", train: str = TRAIN) -> dict[str, str]:
    return {"Dockerfile": f"FROM python:3.11\nCOPY . /app\nWORKDIR /app\n{install}COPY entry.sh /entry.sh\n"
                          "RUN chmod +x /entry.sh\nENTRYPOINT [\"/entry.sh\"]\n",
            "entry.sh": f"#!/bin/bash\necho starting\n{entry}\n", "pyproject.toml": PROJECT,
            "pkg/__init__.py": "", "pkg/train.py": train}


@pytest.mark.parametrize("entry, found", [
    ("my-trainer --epochs 3", [("DKR004", "entry.sh", 3)]),
    ("exec my-trainer --epochs 3", []),
], ids=["without exec: bash keeps the signal", "exec'd: the program is PID 1"])
def test_an_entry_script_that_runs_the_projects_console_script(run_sigcheck, entry, found):
    report = run_sigcheck(files(entry), ["Dockerfile"])
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == found
    assert report.notes == []
    if found:
        assert "SIGTERM never reaches `my-trainer` (pkg.train:main)" in report.diagnostics[0].message


def test_the_console_scripts_training_is_judged(run_sigcheck):
    no_handler = TRAIN.replace("    signal.signal(signal.SIGTERM, on_sigterm)\n", "")
    report = run_sigcheck(files("exec my-trainer --epochs 3", train=no_handler), ["Dockerfile"])
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "pkg/train.py")]


def test_an_image_that_does_not_install_the_project_has_no_such_program(run_sigcheck):
    report = run_sigcheck(files("exec my-trainer --epochs 3", install="RUN pip install torch\n"), ["Dockerfile"])
    assert report.diagnostics == [] and report.notes == []  # the script starts nothing sigcheck knows


def test_an_install_from_a_url_is_not_the_projects(run_sigcheck):
    """Its console scripts are not on PATH: a line running `my-trainer` without exec starts nothing sigcheck knows."""
    report = run_sigcheck(files("my-trainer --epochs 3", install="RUN pip install git+https://github.com/o/other.git\n"),
                          ["Dockerfile"])
    assert report.diagnostics == []
