"""SIG001 and the handlers a run does register: one a with statement's __enter__ makes counts,
and one for other signals only is named, since SIGTERM could share it."""

from __future__ import annotations

from sigcheck.checking.rule import Example

REGISTERED_BY_WITH = (
        Example("""
import signal, torch

class TimeoutHandler:
    def __enter__(self):
        self.interrupted = False
        signal.signal(signal.SIGTERM, self.on_signal)
        return self

    def __exit__(self, *exc):
        return False

    def on_signal(self, signum, frame):
        self.interrupted = True

with TimeoutHandler() as timeout:
    for epoch in range(100):
        model(batch).backward()
        optimizer.step()
        if timeout.interrupted:
            break
    torch.save(model.state_dict(), "model.pt")
""", "the handler is registered by the `with` statement's `__enter__` (NVIDIA's DeepLearningExamples)"),
)


def test_a_handler_registered_by_enter_counts(example_findings):
    [example] = REGISTERED_BY_WITH
    found, _ = example_findings("SIG001", example)
    assert found == [], example.why


CHECKPOINT_ON_USR1 = """
import signal

def melk(*args):
    trainer.save_checkpoint("last.ckpt")

signal.signal(signal.SIGUSR1, melk)
for epoch in range(100):
    model(batch).backward()
    optimizer.step()
"""


def test_a_handler_for_other_signals_only_is_named(run_sigcheck):
    """latent-diffusion's main.py saves a checkpoint on SIGUSR1, the signal Slurm can be asked to
    send before the time limit; SIGTERM itself has no handler."""
    report = run_sigcheck({"train.py": CHECKPOINT_ON_USR1}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "no SIGTERM handler (melk handles SIGUSR1 only)" in finding.message


def test_no_other_handler_no_mention(run_sigcheck):
    code = CHECKPOINT_ON_USR1.replace("signal.signal(signal.SIGUSR1, melk)\n", "")
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "handles" not in finding.message


def test_a_timeouts_alarm_handler_is_not_named(run_sigcheck):
    """verl's timeout decorator raises TimeoutError on SIGALRM: no handler a stop could share."""
    code = CHECKPOINT_ON_USR1.replace("trainer.save_checkpoint(\"last.ckpt\")", "raise TimeoutError()").replace(
        "signal.signal(signal.SIGUSR1, melk)", "signal.signal(signal.SIGALRM, melk)\nsignal.alarm(10)")
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "handles" not in finding.message


ABORT_FLAG_A_CALLBACK_POLLS = """
import signal

from transformers import Trainer, TrainerCallback, TrainingArguments


class StopCallback(TrainerCallback):
    def __init__(self):
        self.aborted = False
        signal.signal(signal.SIGABRT, self._set_abort)

    def _set_abort(self, signum, frame):
        self.aborted = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.aborted:
            control.should_training_stop = True


trainer = Trainer(model=None, args=TrainingArguments("out"), callbacks=[StopCallback()])
trainer.train()
trainer.save_model()
"""


def test_a_handler_for_another_signal_that_saves_is_named(run_sigcheck):
    """LLaMA-Factory-style: a callback's SIGABRT handler sets a flag its on_step_end turns into a
    stop of the Trainer, after which the model is saved: SIGTERM could share it."""
    report = run_sigcheck({"train.py": ABORT_FLAG_A_CALLBACK_POLLS}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "(StopCallback._set_abort handles SIGABRT only)" in finding.message


def test_a_handler_for_another_signal_that_saves_nothing_is_not_named(run_sigcheck):
    code = ABORT_FLAG_A_CALLBACK_POLLS.replace("trainer.save_model()\n", "")
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "handles" not in finding.message


def test_a_stop_signals_handler_that_only_logs_is_not_named(run_sigcheck):
    """lerobot's follow_job detaches from a remote job on SIGINT: registering it for SIGTERM
    would save nothing, so it is no fix to point at."""
    code = CHECKPOINT_ON_USR1.replace('trainer.save_checkpoint("last.ckpt")', 'print("detached")').replace(
        "SIGUSR1", "SIGINT")
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001",))
    [finding] = report.diagnostics
    assert "handles" not in finding.message
