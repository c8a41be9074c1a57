"""DKR007 on launchers an image's ENTRYPOINT starts, beside the rule's own examples."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example
from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES  # the rule's examples' trainer

REPORTED = (
    Example("""
FROM python:3.11-slim
RUN pip install --no-cache-dir accelerate==1.10.0
COPY train.py /opt/program/train.py
# expect: DKR007
ENTRYPOINT ["accelerate", "launch", "--num_processes", "1", "/opt/program/train.py"]
""", "accelerate in one process starts the script with Popen and waits: it passes no signal on", {"train.py": _HANDLES},
        name="Dockerfile"),
)


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.why[:60])
def test_a_launcher_that_keeps_the_signal_is_reported_where_it_starts(example, example_findings):
    found, expected = example_findings("DKR007", example)
    assert [line for _, line in found] == expected and expected, example.why
