"""SIG002 and SIG004 cases beside the rules' own examples: a handler that logs its object or
appends a line to a log file, a callback that only logs, an Event the loop holds under another
name, and SIG002's example of a callback that asks the Trainer to stop, which SIG004 must accept
too."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example
from sigcheck.rules.sig002_handler_never_saves import HandlerNeverSaves

REPORTED = (
        Example("""
import signal, sys, torch

def on_sigterm(signum, frame):
    with open("train.log", "a") as log:
        print("got SIGTERM, exiting", file=log)
    sys.exit(0)

# expect: SIG002
signal.signal(signal.SIGTERM, on_sigterm)
for step in range(100_000):
    model(next(batches)).backward()
    optimizer.step()
""", "appending a line to a log file keeps none of the training (modded-nanogpt's print0)"),
        Example("""
import logging, signal, torch

logger = logging.getLogger(__name__)


class Runner:
    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        # expect: SIG002
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def save_checkpoint(self):
        torch.save(self.model.state_dict(), "ckpt.pt")

    def on_sigterm(self, signum, frame):
        logger.warning("stopping %s", self)
        raise SystemExit(1)

    def fit(self, loader):
        for batch in loader:
            self.model(batch).sum().backward()
            self.optimizer.step()
        self.save_checkpoint()


Runner(model, optimizer).fit(loader)
""", "logging `self` formats it; it calls none of its methods, so save_checkpoint is not reached"),
        Example("""
import logging
import signal

from transformers import Trainer, TrainerCallback


class LogOnSigterm(TrainerCallback):
    def __init__(self):
        self.stopping = False
        # expect: SIG002, SIG004
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        self.stopping = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.stopping:
            logging.info("stop requested")


trainer = Trainer(model=model, args=args, callbacks=[LogOnSigterm()])
trainer.train()
trainer.save_model()
""", "the callback tests the flag but only logs: the Trainer never leaves its loop"),
)

NOT_REPORTED = (
        Example("""
import signal, threading, torch


class ShutdownHandler:
    def __init__(self):
        self.shutdown_event = threading.Event()

        def on_sigterm(signum, frame):
            self.shutdown_event.set()

        signal.signal(signal.SIGTERM, on_sigterm)


shutdown_event = ShutdownHandler().shutdown_event
for batch in loader:
    if shutdown_event.is_set():
        break
    model(batch).backward()
    optimizer.step()
torch.save(model.state_dict(), "ckpt.pt")
""", "a name taken once before the loop for the Event itself sees the handler's set() (lerobot's ProcessSignalHandler)"),
)


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.why[:40])
def test_reported(example_findings, example):
    found, expected = example_findings("SIG002", example)
    assert [line for _, line in found] == expected and expected, example.why


@pytest.mark.parametrize("example", NOT_REPORTED, ids=lambda e: e.why[:40])
def test_not_reported(example_findings, example):
    found, _ = example_findings("SIG002", example)
    assert found == [], example.why


CALLBACK_STOPS = next(e for e in HandlerNeverSaves.valid if "asks the Trainer to stop" in e.why)


def test_a_callback_that_asks_the_trainer_to_stop_stops_it(example_findings):
    found, _ = example_findings("SIG004", CALLBACK_STOPS)
    assert found == [], CALLBACK_STOPS.why


def test_a_callback_that_only_logs_leaves_the_loop_going(example_findings):
    example = next(e for e in REPORTED if "only logs" in e.why)
    found, expected = example_findings("SIG004", example)
    assert [line for _, line in found] == expected and expected


_GETATTR_FLAG = """
import signal
import sys

import torch


class Stopper:
    def __init__(self):
        signal.signal(signal.SIGTERM, self.on_term)

    def on_term(self, signum, frame):
        self.requested = True


stopper = Stopper()
for step in range(100000):
    model(batch).backward()
    optimizer.step()
    if {test}:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
"""


@pytest.mark.parametrize("test", ['getattr(stopper, "requested", False)', 'hasattr(stopper, "requested")',
                                  'stopper.requested'])
def test_a_flag_the_handler_makes_read_through_getattr_is_checked(run_sigcheck, test):
    """The attribute exists only once the handler ran, so the loop asks for it with a default
    (triage BX, a stop added to MiniCPM-V's fine-tuning)."""
    assert run_sigcheck({"train.py": _GETATTR_FLAG.format(test=test)}).diagnostics == []


@pytest.mark.parametrize("test", ['getattr(stopper, "other", False)', 'getattr(stopper, name, False)'])
def test_another_attribute_read_through_getattr_is_no_check_of_the_flag(run_sigcheck, test):
    code = "name = input()\n" + _GETATTR_FLAG.format(test=test)
    assert sorted(d.code for d in run_sigcheck({"train.py": code}).diagnostics) == ["SIG002", "SIG004"]


_COPIED_UNDER_A_TEST = """
import signal

import torch

STOP = False


def request_stop(signum, frame):
    global STOP
    STOP = True


def main():
    signal.signal(signal.SIGTERM, request_stop)
    step = 0
    while True:
        model(batch).backward()
        optimizer.step()
        step += 1
        done = step >= 100000
        if {test}:
            done = True
        if done:
            torch.save(model.state_dict(), "ckpt.pt")
            break


main()
"""


@pytest.mark.parametrize("test, codes", [
    ("STOP", []), ("(not done) and STOP", []), ("step % 1000 == 0", ["SIG002", "SIG004"]),
    # EDM2's `if dist.should_stop() or dist.should_suspend(): done = True`, its stub filled in (triage DB)
    ("should_stop()", []), ("should_stop() or should_suspend()", []), ("should_suspend()", ["SIG002", "SIG004"]),
], ids=["the flag", "the flag beside another test", "no flag", "a getter", "a getter beside another", "another getter"])
def test_a_local_set_under_a_test_of_the_flag_carries_it(run_sigcheck, test, codes):
    """EDM's training loop: `if (not done) and dist.should_stop(): done = True`, then it saves and
    breaks on `done` (triage BY)."""
    getters = "\n\ndef should_stop():\n    return STOP\n\n\ndef should_suspend():\n    return False\n"
    code = _COPIED_UNDER_A_TEST.format(test=test).replace("\n\ndef main():", getters + "\n\ndef main():")
    report = run_sigcheck({"train.py": code})
    assert sorted(d.code for d in report.diagnostics) == codes


_SAVED_THROUGH = """
import signal
import sys

from hyperpyyaml import load_hyperpyyaml


class Brain:
    def __init__(self, checkpointer=None):
        self.checkpointer = checkpointer
        self.stop = False
        signal.signal(signal.SIGTERM, self.on_term)

    def on_term(self, signum, frame):
        self.stop = True

    def fit(self, batches):
        for batch in batches:
            self.model(batch).backward()
            self.optimizer.step()
            if self.stop:
                self.checkpointer.{method}()
                sys.exit(0)


hparams = load_hyperpyyaml(open(sys.argv[1]))
Brain(checkpointer=hparams["checkpointer"]).fit(hparams["batches"])
"""


@pytest.mark.parametrize("method, codes", [("save_and_keep_only", []), ("recover_if_possible", ["SIG002"])])
def test_a_save_named_so_on_an_object_a_configuration_builds_may_save(run_sigcheck, method, codes):
    """speechbrain's Brain saves through `self.checkpointer`, which hyperpyyaml builds from the
    recipe's YAML: sigcheck cannot see the class, and a method named as a save may be one (triage BY)."""
    report = run_sigcheck({"train.py": _SAVED_THROUGH.format(method=method)}, select=("SIG002",))
    assert [d.code for d in report.diagnostics] == codes


def test_a_handler_that_saves_through_a_partial_stored_on_its_callback_saves(run_sigcheck):
    """NeMo-Aligner's trainers save with `self.ckpt_callback.custom_save(...)`, a functools.partial
    that add_custom_checkpoint_callback stores on the callback object it made (triage DC)."""
    utils = ("from functools import partial\n\nimport torch\n\n\ndef save_fn(model, step):\n"
             "    torch.save(model.state_dict(), f'ckpt-{step}.pt')\n\n\nclass CheckpointCallback:\n    pass\n\n\n"
             "def add_custom_checkpoint_callback(model):\n    cb = CheckpointCallback()\n"
             "    cb.custom_save = partial(save_fn, model)\n    return cb\n")
    train = ("import signal\nimport sys\n\nimport torch\n\nfrom utils import add_custom_checkpoint_callback\n\n\n"
             "class Trainer:\n    def __init__(self, model, ckpt_callback):\n        self.model, self.step = model, 0\n"
             "        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)\n        self.ckpt_callback = ckpt_callback\n"
             "        signal.signal(signal.SIGTERM, self.on_sigterm)\n\n    def on_sigterm(self, signum, frame):\n"
             "        self.ckpt_callback.custom_save(self.step)\n        sys.exit(0)\n\n    def fit(self):\n"
             "        for self.step in range(100000):\n            self.model(torch.ones(1)).sum().backward()\n"
             "            self.opt.step()\n\n\nif __name__ == '__main__':\n    model = torch.nn.Linear(1, 1)\n"
             "    Trainer(model, add_custom_checkpoint_callback(model)).fit()\n")
    assert run_sigcheck({"train.py": train, "utils.py": utils}).diagnostics == []


_SAVES_THEN_TESTS = """
import signal

import torch

STOP = False


def on_term(signum, frame):
    global STOP
    STOP = True


def end_epoch(model, epoch):
    torch.save(model.state_dict(), f"params_{epoch}.pkl")


def main():
    signal.signal(signal.SIGTERM, on_term)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
BODY


main()
"""


@pytest.mark.parametrize("body, codes", [
    # rlkit's loop with the obvious fix: `_end_epoch` saves, then `if stop: break` (triage DE)
    ("        end_epoch(model, epoch)\n        if STOP:\n            break", []),
    ("        torch.save(model.state_dict(), 'ckpt.pt')\n        if STOP:\n            break", []),
    # a save only some passes make: the pass the stop comes in may make none
    ("        if epoch % 10 == 0:\n            end_epoch(model, epoch)\n        if STOP:\n            break", ["SIG002"]),
    # the test before the save: the loop leaves without it
    ("        if STOP:\n            break\n        end_epoch(model, epoch)", ["SIG002"]),
], ids=["a helper saves", "saves itself", "saves now and then", "tests first"])
def test_a_save_each_pass_makes_before_the_test_that_leaves_the_loop_answers_the_flag(run_sigcheck, body, codes):
    report = run_sigcheck({"train.py": _SAVES_THEN_TESTS.replace("BODY", body)}, select=("SIG002",))
    assert [d.code for d in report.diagnostics] == codes


@pytest.mark.parametrize("save, codes", [
    ("generator.save_to_folder('ckpt/latest', {'optimizer.pth': optimizer.state_dict()})", []),
    ("generator.summary()", ["SIG002"]),
])
def test_audiotools_save_to_folder_saves_the_model(run_sigcheck, save, codes):
    """DAC's scripts checkpoint with descript-audiotools' BaseModel.save_to_folder (triage DG)."""
    code = f"""
import signal
import sys

import torch
from audiotools import ml


class Generator(ml.BaseModel):
    def forward(self, x):
        return x


generator = Generator()
optimizer = torch.optim.Adam(generator.parameters())


def on_term(signum, frame):
    {save}
    sys.exit(0)


signal.signal(signal.SIGTERM, on_term)
for batch in loader:
    generator(batch).sum().backward()
    optimizer.step()
"""
    assert [d.code for d in run_sigcheck({"train.py": code}, select=("SIG002",)).diagnostics] == codes


_NESTED = """
import signal

import torch

STOP = False


def on_sigterm(signum, frame):
    global STOP
    STOP = True


def main(model, optimizer, loader):
    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(100):
        for batch in loader:
            model(batch).sum().backward()
            optimizer.step()
            if STOP:
                break
OUTER
    print("done")


main(torch.nn.Linear(2, 2), None, [])
"""


@pytest.mark.parametrize("outer, codes", [
    # wenet's epochs with the stop added (triage DG): the second test leaves before the save
    ("        if STOP:\n            break\n        if epoch % 10 == 0:\n            torch.save(model.state_dict(), 'e.pt')", ["SIG002"]),
    ("        if STOP:\n            break\n        torch.save(model.state_dict(), 'e.pt')", ["SIG002"]),
    # the second test saves before it leaves, or the save comes before it
    ("        if STOP:\n            torch.save(model.state_dict(), 'stop.pt')\n            break", []),
    ("        torch.save(model.state_dict(), 'e.pt')\n        if STOP:\n            break", []),
    # no second test: the epoch's save runs on the way out
    ("        torch.save(model.state_dict(), 'e.pt')", []),
], ids=["leaves before a save now and then", "leaves before the save", "saves then leaves", "save before the test",
        "no second test"])
def test_the_way_out_of_a_loop_the_flag_left_follows_a_later_test_of_it(run_sigcheck, outer, codes):
    report = run_sigcheck({"train.py": _NESTED.replace("OUTER", outer)}, select=("SIG002",))
    assert [d.code for d in report.diagnostics] == codes
