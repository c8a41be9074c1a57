"""Ground truth: every runnable corpus project is run and stopped with `sigcheck verify`, and what
happened must match both its `runnable.expect` and what its expected SIG findings predict.

The runs are slow (a second of training, then up to the grace period), so they all start at once
in a module fixture; each project's test then reads its own result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sigcheck.verify.compare import predict
from sigcheck.verify.namespace import pid_namespace

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
RUNNABLE = sorted(p.parent for p in CORPUS.glob("*/expected.json")
                  if "runnable" in json.loads(p.read_text(encoding="utf-8")))
PARALLEL = 8  # the projects mostly sleep; more at once starves Python's start-up on small machines


def _spec(project: Path) -> dict:
    return json.loads((project / "expected.json").read_text(encoding="utf-8"))


def _verify(project: Path) -> dict:
    runnable = _spec(project)["runnable"]
    options = ["--after", str(runnable["after"]), "--grace", str(runnable["grace"])]
    if "when" in runnable:
        options += ["--when", runnable["when"]]
    command = [sys.executable, "-m", "sigcheck", "verify", "--format", "json", "--quiet", *options,
               "--", sys.executable, *runnable["args"]]
    completed = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert completed.stdout, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(zip((p.name for p in RUNNABLE), pool.map(_verify, RUNNABLE)))


@pytest.mark.slow
@pytest.mark.parametrize("project", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_runnable_project_behaves_as_expected(project, runs):
    spec = _spec(project)
    observed = runs[project.name]
    summary = f"{project.name}: {observed['verdict']}\n" + "\n".join(observed["output_tail"][-10:])
    assert observed["stopped_by"] != "before-signal", summary
    pid1 = observed["pid1"]
    assert pid1 == pid_namespace().pid1

    prediction = predict([f["code"] for f in spec["findings"]], pid1)
    if prediction.saves is not None:
        assert observed["saved"] == prediction.saves, f"findings predict saved={prediction.saves}\n{summary}"
    if prediction.stops is not None:
        assert observed["stopped"] == prediction.stops, f"findings predict stopped={prediction.stops}\n{summary}"

    if pid1:  # runnable.expect describes the container: the job as PID 1
        expect = spec["runnable"]["expect"]
        assert observed["saved"] == expect["saved"], summary
        assert observed["stopped_by"] == expect["stopped_by"], summary
    if observed["killed_at_deadline"]:
        assert observed["seconds_to_exit"] == pytest.approx(spec["runnable"]["grace"], abs=1.0)
    else:
        assert observed["seconds_to_exit"] < 1.0, summary  # a correct job stops within a step or two


def test_runnable_corpus_size_and_balance():
    """At least 12 runnable projects, correct ones and each kind of failure among them."""
    specs = [_spec(p) for p in RUNNABLE]
    assert len(specs) >= 12
    correct = [s for s in specs if not s["findings"]]
    assert len(correct) >= 4
    assert all(s["runnable"]["expect"] == {"saved": True, "stopped_by": "exit"} for s in correct)
    codes = {f["code"] for s in specs for f in s["findings"]}
    assert {"SIG001", "SIG002", "SIG004", "SIG005", "SIG010"} <= codes
    for s in specs:
        assert set(s["runnable"]) <= {"args", "when", "after", "grace", "expect"}
        assert s["runnable"]["expect"]["stopped_by"] in ("exit", "signal", "deadline")
