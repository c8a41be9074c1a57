"""The corpus: realistic training projects, each with the findings sigcheck must report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PROJECTS = sorted(p.parent for p in CORPUS.glob("*/expected.json"))


def run_project(project: Path, monkeypatch) -> tuple[set, set, dict]:
    spec = json.loads((project / "expected.json").read_text(encoding="utf-8"))
    monkeypatch.chdir(project)
    settings = Settings(select=tuple(spec["select"]) if "select" in spec else None,
                        platform=spec.get("platform", "sagemaker"))
    report = analyse([Path(a) for a in spec["args"]], settings)
    expected = {(f["code"], f["path"], f["line"]) for f in spec["findings"]}
    actual = {(d.code, Path(d.path).as_posix(), d.line) for d in report.diagnostics}
    return expected, actual, {"errors": report.errors, "diagnostics": report.diagnostics}


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_corpus_project(project, monkeypatch):
    expected, actual, details = run_project(project, monkeypatch)
    misses = sorted(expected - actual)
    false_alarms = sorted(actual - expected)
    messages = {(d.code, Path(d.path).as_posix(), d.line): d.message for d in details["diagnostics"]}
    assert not misses and not false_alarms, (
        f"{project.name}:\n  missed: {misses}\n  false alarms: "
        + "; ".join(f"{fa} {messages.get(fa, '')}" for fa in false_alarms)
    )
    assert not details["errors"], details["errors"]


def test_corpus_size_and_balance():
    """At least 30 projects, at least 12 of them correct (precision cases)."""
    specs = [json.loads((p / "expected.json").read_text(encoding="utf-8")) for p in PROJECTS]
    assert len(specs) >= 30
    assert sum(1 for s in specs if not s["findings"]) >= 12
