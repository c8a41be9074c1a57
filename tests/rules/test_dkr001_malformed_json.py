"""DKR001 and an ENTRYPOINT or CMD written as the exec form that is no JSON array (kubeflow's
object_detection image, a missing comma; triage DC): Docker runs the text with /bin/sh -c, whose
first word, `[python,`, is no program, so the container cannot start."""

from __future__ import annotations

import pytest

from sigcheck.rules.dkr001_shell_form_entrypoint import _TRAIN


@pytest.mark.parametrize("written, fixed, safe", [
    ('CMD ["python", "/app/train.py"  "--epochs=3"]', 'CMD ["python", "/app/train.py", "--epochs=3"]', True),
    ('ENTRYPOINT ["python", "/app/train.py"  "--dir=$DIR"]', 'ENTRYPOINT ["python", "/app/train.py", "--dir=$DIR"]', False),
    ("CMD ['python', '/app/train.py']", None, None),  # single quotes: no JSON string to take
])
def test_an_exec_form_that_is_no_json_array_cannot_start(run_sigcheck, written, fixed, safe):
    dockerfile = f"FROM python:3.11-slim\nCOPY train.py /app/train.py\n{written}\n"
    report = run_sigcheck({"Dockerfile": dockerfile, **_TRAIN}, ["Dockerfile"], platform="kubernetes", select=("DKR001",))
    assert not report.errors, report.errors  # the text is no shell script to report a syntax error in
    (finding,) = report.diagnostics
    assert "is written as the exec form but is not a valid JSON array" in finding.message
    assert "finds no program `[python,`" in finding.message
    if fixed is None:
        assert finding.fix is None
    else:
        assert (finding.fix.edits[0].content, finding.fix.safe) == (fixed, safe)
