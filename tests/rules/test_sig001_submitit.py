"""SIG001 and training a script submits as a Slurm job with submitit (dinov2's, dino's and mae's
launchers): submitit ignores SIGTERM in the job and, on its requeue signal, calls the callable's
checkpoint() before it requeues the job. The job keeps its work only where a SIGTERM handler of
its own, or that checkpoint(), saves."""

from __future__ import annotations

import pytest

TRAIN = """import torch

model = torch.nn.Linear(4, 4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def main(args):
    for epoch in range(args["epochs"]):
        for batch in loader:
            model(batch).sum().backward()
            optimizer.step()
"""

LAUNCH = """import submitit
from train import main, model


class Trainer:
    def __init__(self, args):
        self.args = args

    def __call__(self):
        main(self.args)

    def checkpoint(self):
{checkpoint}
        return submitit.helpers.DelayedSubmission(Trainer(self.args))


if __name__ == "__main__":
    executor = submitit.AutoExecutor(folder="logs")
    executor.update_parameters(timeout_min=60 * 72, slurm_signal_delay_s=120)
    executor.submit(Trainer({{"epochs": 100}}))
"""


def test_a_submitted_job_whose_checkpoint_saves_nothing_is_reported(run_sigcheck):
    files = {"train.py": TRAIN, "launch.py": LAUNCH.format(checkpoint="        print('requeued')")}
    (finding,) = run_sigcheck(files, ["."]).diagnostics
    assert (finding.code, finding.path, finding.line) == ("SIG001", "train.py", 8)
    assert finding.message.startswith("Training loop runs in a submitit job with no SIGTERM handler: submitit ignores "
                                      "SIGTERM there and Trainer.checkpoint, which it calls on its requeue signal, saves nothing; "
                                      "on Slurm a stop sends SIGTERM, then SIGKILL 30 s later")
    assert finding.trace[0].path == "launch.py" and finding.trace[0].note.startswith("submits a submitit job running")


@pytest.mark.parametrize("checkpoint, why", [
    ("        torch.save(model.state_dict(), 'requeue.pt')", "checkpoint() saves the model before the job is requeued"),
    ("        self.save()\n\n    def save(self):\n        torch.save(model.state_dict(), 'requeue.pt')",
     "checkpoint() saves through a method of its own"),
], ids=["saves", "saves through a method"])
def test_a_submitted_job_whose_checkpoint_saves_is_not_reported(run_sigcheck, checkpoint, why):
    files = {"train.py": TRAIN, "launch.py": "import torch\n" + LAUNCH.format(checkpoint=checkpoint)}
    assert run_sigcheck(files, ["."]).diagnostics == [], why


def test_a_submitted_job_with_a_handler_of_its_own_is_not_reported(run_sigcheck):
    """submitit installs its handlers before it calls the callable: one the job registers replaces them."""
    train = TRAIN.replace("def main(args):\n", "def main(args):\n    signal.signal(signal.SIGTERM, save_and_exit)\n")
    train = "import signal, sys\n" + train + ("\n\ndef save_and_exit(signum, frame):\n"
                                              "    torch.save(model.state_dict(), 'stopped.pt')\n    sys.exit(0)\n")
    files = {"train.py": train, "launch.py": LAUNCH.format(checkpoint="        pass")}
    assert [d.code for d in run_sigcheck(files, ["."]).diagnostics] == []


def test_a_handler_the_script_registers_under_its_main_guard_is_not_the_job_s(run_sigcheck):
    """ConvNeXt's run_with_submitit.py imports main.py and calls its main(): a handler main.py
    registers in its `if __name__ == "__main__":` block never runs in the job (triage DL)."""
    train = "import signal, sys\n" + TRAIN + ("\n\ndef save_and_exit(signum, frame):\n"
                                              "    torch.save(model.state_dict(), 'stopped.pt')\n    sys.exit(0)\n\n\n"
                                              "if __name__ == '__main__':\n    signal.signal(signal.SIGTERM, save_and_exit)\n"
                                              "    main({'epochs': 10})\n")
    launch = LAUNCH.format(checkpoint="        pass").replace("        main(self.args)", "        import train\n        train.main(self.args)")
    assert "import train\n" in launch
    files = {"train.py": train, "launch.py": launch}
    assert [(d.code, d.path) for d in run_sigcheck(files, ["launch.py"]).diagnostics] == [("SIG001", "train.py")]


def test_a_submitted_function_has_no_checkpoint_to_call(run_sigcheck):
    launch = ("import submitit\nfrom train import main\n\nif __name__ == '__main__':\n"
              "    executor = submitit.AutoExecutor(folder='logs')\n    executor.submit(main, {'epochs': 100})\n")
    (finding,) = run_sigcheck({"train.py": TRAIN, "launch.py": launch}, ["."]).diagnostics
    assert "the callable has no checkpoint() for it to call on its requeue signal" in finding.message
    assert "all the training is lost: nothing saves it while the loop runs" in finding.message


def test_a_submitted_evaluation_is_not_reported(run_sigcheck):
    evaluate = "def main(args):\n    for batch in loader:\n        print(model(batch))\n"
    launch = ("import submitit\nfrom train import main\n\nif __name__ == '__main__':\n"
              "    executor = submitit.AutoExecutor(folder='logs')\n    executor.submit(main, {'epochs': 100})\n")
    assert run_sigcheck({"train.py": evaluate, "launch.py": launch}, ["."]).diagnostics == []


@pytest.mark.parametrize("base, reported", [("(object)", True), ("(submitit.helpers.Checkpointable)", False)])
def test_a_checkpoint_inherited_from_submitit_may_carry_the_state(run_sigcheck, base, reported):
    """Checkpointable's checkpoint() resubmits the callable pickled with what it holds."""
    launch = LAUNCH.replace("class Trainer:", f"class Trainer{base}:").replace(
        "    def checkpoint(self):\n{checkpoint}\n        return submitit.helpers.DelayedSubmission(Trainer(self.args))\n", "")
    diagnostics = run_sigcheck({"train.py": TRAIN, "launch.py": launch.format()}, ["."]).diagnostics
    assert [d.code for d in diagnostics] == (["SIG001"] if reported else [])


SHARED_SUBMIT = {
    "submit.py": """import submitit


def submit_jobs(task_class, args):
    executor = submitit.AutoExecutor(folder="logs")
    task = task_class(args)
    return executor.submit(task)
""",
    "run_train.py": """from submit import submit_jobs
from train import main


class Trainer:
    def __init__(self, args):
        self.args = args

    def __call__(self):
        main(self.args)


if __name__ == "__main__":
    submit_jobs(Trainer, {"epochs": 100})
""",
    "run_knn.py": """from submit import submit_jobs


class Evaluator:
    def __init__(self, args):
        self.args = args

    def __call__(self):
        print("knn accuracy")


if __name__ == "__main__":
    submit_jobs(Evaluator, {"k": 20})
""",
}


def test_a_shared_submission_helper_submits_in_each_run_the_class_that_run_passed(run_sigcheck):
    """dinov2's `submit_jobs(task_class, args)`: `task = task_class(args)`, then
    `executor.submit(task)`, from the training launcher and from each evaluation's. Only the
    training launcher's job trains: the finding is its alone, traced from it."""
    report = run_sigcheck({"train.py": TRAIN, **SHARED_SUBMIT}, ["run_train.py", "run_knn.py"])
    (finding,) = report.diagnostics
    assert (finding.path, finding.also_run_from) == ("train.py", ())
    assert finding.trace[0].path == "run_train.py"
    assert run_sigcheck({"train.py": TRAIN, **SHARED_SUBMIT}, ["run_knn.py"]).diagnostics == []
