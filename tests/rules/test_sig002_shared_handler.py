"""SIG002 and a handler several entry points share: each run is judged on its own, and the
finding names the way from the entry point whose run the handler saves nothing for."""

from __future__ import annotations

PROCESS = """
import signal
import threading


class ShutdownHandler:
    def __init__(self):
        self.shutdown_event = threading.Event()

        def _handler(signum, frame):
            self.shutdown_event.set()

        signal.signal(signal.SIGTERM, _handler)
"""

RECORD = """
import torch

from pkg.process import ShutdownHandler


def main(model, opt, buffer):
    handler = ShutdownHandler()
    try:
        while not handler.shutdown_event.is_set():
            model(buffer.sample()).backward()
            opt.step()
    finally:
        torch.save(model.state_dict(), "ckpt.pt")


if __name__ == "__main__":
    main(None, None, None)
"""

LEARNER = """
import torch

from pkg.process import ShutdownHandler


def main(model, opt, buffer, save_freq=1000):
    handler = ShutdownHandler()
    step = 0
    while True:
        if handler.shutdown_event.is_set():
            break
        model(buffer.sample()).backward()
        opt.step()
        step += 1
        if step % save_freq == 0:
            torch.save(model.state_dict(), "ckpt.pt")


if __name__ == "__main__":
    main(None, None, None)
"""


def test_a_shared_handler_is_judged_in_each_run(run_sigcheck):
    """lerobot's ProcessSignalHandler: the recorder saves on the flag, the learner only breaks. A
    directory run used to prove the handler over both runs at once, and found the recorder's save."""
    files = {"pkg/__init__.py": "", "pkg/process.py": PROCESS, "pkg/record.py": RECORD, "pkg/learner.py": LEARNER}
    (finding,) = run_sigcheck(files, ["."], select=("SIG002",)).diagnostics
    assert finding.path == "pkg/process.py"
    assert [step.path for step in finding.trace][:2] == ["pkg/learner.py", "pkg/learner.py"]
    assert "also run from" not in finding.message  # the recorder's run is served
    # and the message says so: "never leads to code that saves" alone read as true of every run
    assert "never leads to code that saves in this run (it does in the run of pkg/record.py)," in finding.message


def test_a_shared_handler_every_run_saves_on_is_not_reported(run_sigcheck):
    learner = LEARNER.replace("            break\n", "            torch.save(model.state_dict(), 'ckpt.pt')\n            break\n")
    files = {"pkg/__init__.py": "", "pkg/process.py": PROCESS, "pkg/record.py": RECORD, "pkg/learner.py": learner}
    assert run_sigcheck(files, ["."], select=("SIG002",)).diagnostics == []
