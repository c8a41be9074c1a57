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
    assert [point.note for point in finding.trace] == ["calls Trainer.train", "training loop starts here",
                                                       "training step backward()"]


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
    assert finding.also_run_from == tuple(f"examples/{name}/train.py" for name in "abcd")  # all of them, for JSON


def test_a_place_one_entry_point_reaches_names_no_other(run_sigcheck):
    report = run_sigcheck({"trainer.py": _TRAINER, "run_train.py": _SCRIPT}, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert "also run from" not in finding.message


_CLI_WRAPPER = """
def CLI(*args, **kwargs):
    from jsonargparse import CLI

    return CLI(*args, **kwargs)
"""

_SAVES_ITS_ARGUMENTS = """
from jsonargparse import capture_parser

from utils import CLI


def save_hyperparameters(function, out_dir):
    parser = capture_parser(lambda: CLI(function))
    parser.save(parser.parse_args(), f"{out_dir}/hyperparameters.yaml")
"""

_PRETRAIN = """
import torch

from params import save_hyperparameters
from utils import CLI


def setup(steps: int = 1000):
    model = torch.nn.Linear(2, 2)
    fit(model, torch.optim.SGD(model.parameters(), lr=0.1), torch.utils.data.DataLoader(range(steps)))


def fit(model, optimizer, loader):
    for step, batch in enumerate(loader):
        model(batch).sum().backward()
        optimizer.step()
        if step % 100 == 0:
            save_checkpoint(model)


def save_checkpoint(model):
    torch.save(model.state_dict(), "out/model.pt")
    save_hyperparameters(setup, "out")


if __name__ == "__main__":
    CLI(setup)
"""

_PREPARE = """
from utils import CLI


def prepare(shards: int = 1):
    pass


if __name__ == "__main__":
    CLI(prepare)
"""


def test_a_script_runs_no_function_another_passes_to_a_shared_wrapper(run_sigcheck):
    """litgpt: every script hands its function to one `CLI(*args)` wrapper, and pretrain's
    `save_checkpoint` hands `setup` to it again. A data script's run reaches `save_checkpoint`
    only through the wrapper's call of pretrain's `setup`, which its run never makes: the data
    script does not run pretrain's loop."""
    report = run_sigcheck({"utils.py": _CLI_WRAPPER, "params.py": _SAVES_ITS_ARGUMENTS, "pretrain.py": _PRETRAIN,
                           "prepare_data.py": _PREPARE}, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert (finding.path, finding.line, finding.trace[0].path) == ("pretrain.py", 13, "pretrain.py")
    assert "also run from" not in finding.message
