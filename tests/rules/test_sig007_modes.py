"""SIG007 and SIG001 around a mode of the run that returns from the program's main function before
its training: doctr's `if args.find_lr: record_lr(...); return`, a learning-rate finder that
steps the optimizer a hundred times and keeps nothing (triage CO). A handler registered after it
comes before the job's training, which is what SIG001 anchors on; where main's return does not end
the program, the branch's loop may come first."""

from __future__ import annotations

import pytest

TRAIN = """
import signal
import sys

import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters())
loader = [(torch.randn(2, 4), torch.randn(2, 1))]
stop = {"flag": False}


def on_term(signum, frame):
    stop["flag"] = True


def record_lr(num_it=100):
    for index, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()
        if index + 1 == num_it:
            break


def main(find_lr):
    if find_lr:
        record_lr()
        return
    REGISTER
    for epoch in range(100):
        for x, y in loader:
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()
        torch.save(model.state_dict(), "last.pt")
        if stop["flag"]:
            sys.exit(0)


if __name__ == "__main__":
    CALL
"""


@pytest.mark.parametrize("register, call, found", [
    ("signal.signal(signal.SIGTERM, on_term)", "main('--find-lr' in sys.argv)", []),
    ("signal.signal(signal.SIGTERM, on_term)", "main('--find-lr' in sys.argv)\n    print('done')", [("SIG007", 29)]),
    ("pass", "main('--find-lr' in sys.argv)", [("SIG001", 30)]),
], ids=["registered after the mode: before the training", "main's return does not end the program",
        "no handler: SIG001 on the job's training loop"])
def test_a_mode_that_returns_from_main_comes_after_nothing(run_sigcheck, register, call, found):
    code = TRAIN.replace("REGISTER", register).replace("CALL", call)
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001", "SIG007"))
    assert [(d.code, d.line) for d in report.diagnostics] == found


REGISTRY = {
    "pkg/__init__.py": "",
    "pkg/trainer.py": """
import signal
import sys

import torch


class Trainer:
    def __init__(self, args):
        self.model = torch.nn.Linear(4, 1)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.stop = False

    def on_term(self, signum, frame):
        self.stop = True

    def fit(self):
        signal.signal(signal.SIGTERM, self.on_term)
        self.train()

    def train(self):
        for step in range(10_000):
            self.model(torch.randn(8, 4)).sum().backward()
            self.optimizer.step()
            if self.stop:
                torch.save(self.model.state_dict(), "last.pt")
                sys.exit(0)
""",
    "pkg/registry.py": """
from typing import Dict

from pkg.trainer import Trainer

SUPPORTED_MODELS: Dict[str, Trainer] = {}


def register(name: str, trainer_cls: Trainer):
    SUPPORTED_MODELS[name] = trainer_cls


def get_model_cls(name: str) -> Trainer:
    return SUPPORTED_MODELS[name]
""",
    "pkg/lora.py": "from pkg.registry import register\nfrom pkg.trainer import Trainer\n\n\nclass LoraTrainer(Trainer):\n"
                   "    pass\n\n\nregister('lora', LoraTrainer)\n",
    "train.py": "import sys\n\nimport pkg.lora\nfrom pkg.registry import get_model_cls\n\n\ndef main():\n"
                "    trainer_cls = get_model_cls(sys.argv[1])\n    trainer = trainer_cls(sys.argv[2:])\n    trainer.fit()\n\n\n"
                "if __name__ == '__main__':\n    main()\n",
}


def test_a_project_fit_called_on_a_class_from_a_registry_is_no_librarys_fit(run_sigcheck):
    """CogVideo's finetune/train.py: `get_model_cls(...) -> Trainer` returns a class from a dict it
    annotates as holding instances, so the call also stands for an unknown value; its `fit` is the project's Trainer.fit, whose first
    line registers the handler, not a library's fit that starts training at the call (triage CO)."""
    assert run_sigcheck(REGISTRY, ["train.py"]).diagnostics == []
