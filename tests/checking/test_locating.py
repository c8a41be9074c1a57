"""A place that several entry points reach is reported once, with the trace easiest to follow."""

from __future__ import annotations

_TRAINER = """
class Trainer:
    def train(self):
        for batch in self.loader:
            self.model(batch).backward()
            self.optimizer.step()
"""

_SCRIPT = """
from trainer import Trainer

if __name__ == "__main__":
    Trainer().train()
"""


def test_one_finding_per_place_traced_from_the_entry_point_nearest_the_root(run_sigcheck):
    report = run_sigcheck({"trainer.py": _TRAINER, "examples/custom/run_train.py": _SCRIPT,
                           "run_train.py": _SCRIPT}, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert (finding.path, finding.line) == ("trainer.py", 3)
    assert finding.trace[0].path == "run_train.py"


def test_the_shortest_trace_wins_over_the_shallowest_entry_point(run_sigcheck):
    indirect = _SCRIPT.replace("Trainer().train()", "launch()").replace(
        "\nif __name__", "\ndef launch():\n    Trainer().train()\n\n\nif __name__")
    report = run_sigcheck({"trainer.py": _TRAINER, "run_train.py": indirect,
                           "zoo/custom/run_train.py": _SCRIPT}, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert finding.trace[0].path == "zoo/custom/run_train.py"
    assert len(finding.trace) == 2


def test_a_place_worded_apart_by_two_entry_points_is_still_reported_once(run_sigcheck):
    """Under torchrun (a script that reads LOCAL_RANK) the deadline is 30 s, elsewhere the
    platform's 120 s: the messages differ, the place and the problem do not."""
    distributed = _SCRIPT.replace("from trainer import Trainer", "import os\n\nfrom trainer import Trainer").replace(
        "    Trainer().train()", "    rank = int(os.environ['LOCAL_RANK'])\n    Trainer().train()")
    report = run_sigcheck({"trainer.py": _TRAINER, "run_train.py": _SCRIPT, "run_distributed.py": distributed},
                          args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert (finding.path, finding.line) == ("trainer.py", 3)
    assert finding.trace[0].path in ("run_train.py", "run_distributed.py")


def test_the_other_entry_points_reaching_the_place_are_named(run_sigcheck):
    """Fixing the entry point the trace starts from must not leave the others unseen until the
    next run (mmengine's examples share one loop)."""
    scripts = {f"examples/{name}/train.py": _SCRIPT for name in ("a", "b", "c", "d")}
    report = run_sigcheck({"trainer.py": _TRAINER, "run_train.py": _SCRIPT, **scripts}, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert finding.trace[0].path == "run_train.py"
    assert finding.message.endswith("(also run from examples/a/train.py, examples/b/train.py, examples/c/train.py and 1 more)")


def test_a_place_one_entry_point_reaches_names_no_other(run_sigcheck):
    report = run_sigcheck({"trainer.py": _TRAINER, "run_train.py": _SCRIPT}, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert "also run from" not in finding.message
