"""SIG001 on a library's own repository: its scripts call the training loop the knowledge names
(trax's `Loop.run`, transformers' `Trainer.train`) as a user's would, and sigcheck reads it as a
project function (triage DH). Where that function's body shows no step sigcheck can see, the
call is the fit the knowledge says it is; where it does, the body is judged, as any project's."""

from __future__ import annotations

LOOP = """
class Loop:
    def __init__(self, model, task):
        self._model = model
        self._task = task

    def run(self, n_steps=1):
        for _ in range(n_steps):
            self._model.weights = self._task.one_step(self._model.weights)
"""

SCRIPT = """
from trax.supervised import training


def main():
    loop = training.Loop(model, task)
    loop.run(100000)


if __name__ == "__main__":
    main()
"""


def test_a_known_fit_the_project_defines_is_a_fit_where_its_body_shows_no_step(run_sigcheck):
    files = {"trax/__init__.py": "", "trax/supervised/__init__.py": "", "trax/supervised/training.py": LOOP,
             "trax/trainer.py": SCRIPT}
    (finding,) = run_sigcheck(files, ["trax/trainer.py"], select=("SIG001",)).diagnostics
    assert (finding.path, finding.line, finding.message.split(" runs")[0]) == ("trax/trainer.py", 6, "Fit call")


def test_a_project_trainer_named_as_a_library_s_is_judged_by_its_body(run_sigcheck):
    """coqui's fit is `trainer.Trainer.fit`; a project's own trainer.py with a Trainer whose fit
    steps an optimizer is that project's loop, reported where it runs, without coqui's remedy."""
    own = "class Trainer:\n    def fit(self, model, loader, optimizer):\n        for batch in loader:\n" \
          "            model(batch).backward()\n            optimizer.step()\n"
    script = "from trainer import Trainer\n\nTrainer().fit(model, loader, optimizer)\n"
    (finding,) = run_sigcheck({"trainer.py": own, "train.py": script}, ["train.py"], select=("SIG001",)).diagnostics
    assert (finding.path, finding.line) == ("trainer.py", 3)
    assert "KeyboardInterrupt" not in finding.message
