"""SIG002 and a library whose own SIGTERM handler exits at once: importing Composer installs
`sys.exit(128 + signal)`, and since 0.17 nothing on its way out saves. The run keeps its work
only where the project's code saves as the SystemExit unwinds, or where a pin keeps it on a
release that saved (0.14 to 0.16) into the Trainer's save_folder, when it was given one."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

_SETUP = """
from composer import Trainer
from composer.models import ComposerClassifier

from data import train_dataloader
from net import Net

trainer = Trainer(model=ComposerClassifier(Net(), num_classes=10), train_dataloader=train_dataloader,
                  max_duration="90ep", save_folder="checkpoints", save_interval="1ep")
"""

EXITS_WITHOUT_SAVING = (
    Example(_SETUP + """# expect: SIG002
trainer.fit()
""", "Composer's handler exits at once and the script saves nothing on the way out: the epoch in progress is lost"),
    Example(_SETUP + """try:
    # expect: SIG002
    trainer.fit()
except Exception:
    trainer.save_checkpoint("checkpoints/failed.pt")
""", "`except Exception` does not catch the SystemExit Composer's handler raises"),
    Example(_SETUP.replace('save_folder="checkpoints", ', "") + """# expect: SIG002
trainer.fit()
""", "Composer 0.16 saved on close only into the Trainer's save_folder, and it is given none (mosaicml/examples' "
         "resnet_cifar; triage CH)", files={"requirements.txt": "mosaicml==0.16.4\n"}),
    Example(_SETUP.replace('save_folder="checkpoints"', "save_folder=None") + """# expect: SIG002
trainer.fit()
""", "a save_folder of None is none", files={"requirements.txt": "mosaicml>=0.14,<0.15\n"}),
)

SAVES_ON_THE_WAY_OUT = (
    Example(_SETUP + """try:
    trainer.fit()
finally:
    trainer.save_checkpoint("checkpoints/last.pt")
""", "the SystemExit unwinds to the finally that saves"),
    Example(_SETUP + """try:
    trainer.fit()
except SystemExit:
    trainer.save_checkpoint("checkpoints/stopped.pt")
    raise
""", "the SystemExit is caught and the checkpoint saved before it goes on"),
    Example(_SETUP + """trainer.fit()
""", "a project pinned to Composer 0.16 saves a checkpoint on close", files={"requirements.txt": "mosaicml==0.16.4\n"}),
    Example("""
import signal
import sys

from composer import Trainer

trainer = Trainer(model=model, train_dataloader=loader, max_duration="90ep")


def on_sigterm(signum, frame):
    trainer.save_checkpoint("checkpoints/stopped.pt")
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
trainer.fit()
""", "the project's own handler replaces Composer's, and it saves"),
)


@pytest.mark.parametrize("example", EXITS_WITHOUT_SAVING, ids=lambda e: e.why[:60])
def test_a_library_handler_that_exits_without_a_save_is_reported(example, example_findings):
    found, marked = example_findings("SIG002", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


@pytest.mark.parametrize("example", SAVES_ON_THE_WAY_OUT, ids=lambda e: e.why[:60])
def test_a_library_handler_whose_exit_saves_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG002", example)
    assert found == [], f"{example.why}: {found}"


def test_sig001_leaves_the_librarys_handler_to_sig002(run_sigcheck):
    report = run_sigcheck({"train.py": EXITS_WITHOUT_SAVING[0].code})
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG002", 10)]
    (finding,) = report.diagnostics
    assert finding.message.startswith("Composer's SIGTERM handler (installed on import) exits at once")
    assert "SystemExit" in finding.trace[-1].note


def test_a_trainer_built_in_one_module_and_fitted_in_another_is_judged(run_sigcheck):
    builder = _SETUP.replace("trainer = Trainer(", "def build():\n    return Trainer(") + ""
    report = run_sigcheck({"builder.py": builder, "train.py": "from builder import build\n\nbuild().fit()\n"},
                          ["train.py"], select=("SIG002",))
    assert [(d.path, d.line) for d in report.diagnostics] == [("train.py", 3)]


_COQUI = """
import signal

from {library} import Trainer, TrainerArgs

{handler}
trainer = Trainer(TrainerArgs(), config, "/tmp/out", model=model, train_samples=samples)
trainer.fit()
"""


@pytest.mark.parametrize("library, codes", [("trainer", []), ("othertrainer", ["SIG002"])])
def test_a_fit_that_catches_keyboardinterrupt_and_saves_answers_default_int_handler(run_sigcheck, library, codes):
    """coqui's Trainer.fit catches KeyboardInterrupt and saves (save_on_interrupt), so a handler
    that raises it stops the fit with a save (triage BY)."""
    code = _COQUI.format(handler="signal.signal(signal.SIGTERM, signal.default_int_handler)", library=library)
    assert [d.code for d in run_sigcheck({"train.py": code}, select=("SIG001", "SIG002")).diagnostics] == codes


def test_a_coqui_fit_with_no_handler_is_told_how_to_stop_it_with_a_save(run_sigcheck):
    (finding,) = run_sigcheck({"train.py": _COQUI.format(handler="", library="trainer")}, select=("SIG001",)).diagnostics
    assert "signal.default_int_handler)` makes a stop raise KeyboardInterrupt" in finding.message
