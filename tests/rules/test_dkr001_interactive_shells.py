"""DKR001 and a CMD that opens a shell for a person at a terminal (nerfstudio's `CMD /bin/bash -l`,
triage CM): the shell runs no program of the image, so the form of the CMD keeps nothing from a
trainer. A shell given a script, or a command, still runs one."""

from __future__ import annotations

import pytest

from sigcheck.rules.dkr001_shell_form_entrypoint import _TRAIN


@pytest.mark.parametrize("cmd, codes", [
    ("CMD /bin/bash -l", []),
    ("CMD bash", []),
    ("CMD /bin/bash -l /app/train.sh", ["DKR001"]),  # a script: bash -l runs it, under /bin/sh -c
    ("CMD python /app/train.py", ["DKR001"]),
    # Azure ML's notebook images (triage DC): a notebook server waits for a person
    ('CMD /bin/bash -c "cd /home/nb && jupyter notebook --port 8887 --no-browser --ip 0.0.0.0"', []),
    ("CMD jupyter lab --ip 0.0.0.0", []),
    ("CMD jupyter nbconvert --to notebook --execute /app/train.ipynb", ["DKR001"]),  # runs the notebook itself
    # kubeflow's t2t_app: a web server answers requests, its app not in the repository (triage DC)
    ("CMD gunicorn -w 4 -b :8080 main:app", []),
    ("CMD tensorboard --logdir /logs --bind_all", []),
], ids=["login shell", "bare bash", "shell given a script", "trainer", "notebook server in bash -c", "jupyter lab",
        "a notebook executed", "gunicorn", "tensorboard"])
def test_a_shell_form_cmd_that_only_opens_a_shell(run_sigcheck, cmd, codes):
    dockerfile = f"FROM python:3.11-slim\nCOPY train.py /app/train.py\nCOPY train.sh /app/train.sh\n{cmd}\n"
    files = {"Dockerfile": dockerfile, "train.sh": "#!/bin/bash\npython /app/train.py\n", **_TRAIN}
    report = run_sigcheck(files, ["Dockerfile"], platform="kubernetes", select=("DKR001",))
    assert [d.code for d in report.diagnostics] == codes
