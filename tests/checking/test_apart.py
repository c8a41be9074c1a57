"""Rules run apart in a forked child give the findings they give in one process, in rule order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from project_files import write_project
from sigcheck.checking.apart import can_fork, findings_by_rule
from sigcheck.checking.engine import prepare
from sigcheck.checking.rule import Rule
from sigcheck.config.settings import Settings
from sigcheck.rules import ALL_RULES

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and no other thread")

_PROJECT = {
    "pyproject.toml": "",
    "train.py": """
        import subprocess, torch

        def train(model, optimizer, loader):
            for batch in loader:
                optimizer.step()
            torch.save(model.state_dict(), "/opt/ml/model/model.pt")
            with open("/tmp/log.txt", "w") as log:
                log.write("done")
            subprocess.run(["nvidia-smi"])

        if __name__ == "__main__":
            train(None, None, [])
    """,
}


@pytest.fixture
def analysis(tmp_path, monkeypatch):
    write_project(tmp_path, _PROJECT)
    monkeypatch.chdir(tmp_path)
    return prepare([Path("train.py")], Settings())[1]


def _keys(found):
    return [[(f.code, f.anchor.func_id, f.anchor.node, f.message) for f in findings] for findings in found]


def test_the_rules_apart_give_what_one_process_gives(analysis):
    rules = [rule() for rule in ALL_RULES if not rule.after_suppressions]
    assert any(r.runs_apart for r in rules) and not all(r.runs_apart for r in rules)
    alone = findings_by_rule(rules, analysis, apart=False)
    both = findings_by_rule(rules, analysis, apart=True)
    assert _keys(both) == _keys(alone)
    codes = {f.code for findings in both for f in findings}
    assert {"SIG001", "OPT001"} <= codes  # findings from each side


class _DiesInAChild(Rule):
    code, name, runs_apart = "XXX901", "dies-in-a-child", True

    def __init__(self, parent: int) -> None:
        self.parent = parent

    def check(self, analysis):
        if os.getpid() != self.parent:
            os._exit(3)  # the child ends without a word
        yield self.finding(analysis.handler_point(analysis.project.modules["train"].body_id), "found here")


class _Fails(Rule):
    code, name, runs_apart = "XXX902", "fails", True

    def check(self, analysis):
        raise RuntimeError("a bug in a rule")


def test_a_child_that_dies_leaves_its_rules_to_this_process(analysis):
    found = findings_by_rule([_DiesInAChild(os.getpid()), ALL_RULES[0]()], analysis, apart=True)
    assert [f.message for f in found[0]] == ["found here"]


def test_a_rule_that_fails_apart_fails_as_it_does_in_one_process(analysis):
    with pytest.raises(RuntimeError, match="a bug in a rule"):
        findings_by_rule([_Fails(), ALL_RULES[0]()], analysis, apart=True)
