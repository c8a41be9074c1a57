from __future__ import annotations

from sigcheck.checking.registration_conditions import rank_alternatives, replaced_before_work
from sigcheck.checking.handler_work import handler_names, in_other_runs
from sigcheck.checking.rule import Example, Rule


class HandlerNeverStops(Rule):
    """A SIGTERM handler that returns and lets training carry on until SIGKILL.

    ## What it does
    Reports SIGTERM handlers of training entry points that neither end the process (`sys.exit`,
    `os._exit`, `raise`, re-sending the signal after restoring the default action) nor set a stop
    flag that a loop on the main path checks and then leaves (break, return, raise, exit). A flag
    set on a library's object (`trainer.should_stop = True`) counts: the library polls it; so
    does a flag a callback the library runs tests before it asks the library to stop (an
    Estimator hook's `run_context.request_stop()`), there or through a flag of its own that a
    later callback tests (ms-swift's GracefulExitCallback: `self.pending = True` once it asked
    for a save, then `control.should_training_stop = True` in on_save). A
    handler replaced before the training starts, and the other ranks' side of a rank test whose
    rank 0 handler saves for the job, are left alone, as SIG002 leaves them; so is one registered
    before a library's fit that keeps it and stops by itself once it returns (Lightning from 2.0
    calls the handler it finds after its own, then raises at the next batch). A handler several
    entry points share is judged in each of their runs: one script's loop may leave on its flag
    while another's never reads it.

    ## Why is this bad?
    After the handler returns, the interrupted code resumes. Training continues, the platform's
    deadline runs out, and SIGKILL ends the job at an arbitrary point, possibly in the middle of
    writing a checkpoint, which leaves a corrupt file behind.

    ## Example
    ```python
    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), ckpt_path)
    ```

    ## Use instead
    ```python
    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), ckpt_path)
        sys.exit(0)
    ```
    """

    code = "SIG004"
    name = "handler-never-stops"
    severity = "error"

    valid = (
        Example("""
import signal

class Job:
    def __init__(self):
        self.stopping = False
        signal.signal(signal.SIGTERM, self.request_stop)

    def request_stop(self, signum, frame):
        self.stopping = True

    def run(self):
        for batch in self.loader:
            self.model(batch).backward()
            optimizer.step()
            if self.stopping:
                return

Job().run()
""", "the flag is checked in the loop, which then returns"),
        Example("""
import os, signal, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "re-sending the signal with the default action ends the process"),
        Example("""
import signal
from lightning import Trainer

trainer = Trainer()

def on_sigterm(signum, frame):
    trainer.should_stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    trainer.model(batch).backward()
    optimizer.step()
""", "a library's stop attribute is polled by the library"),
        Example("""
import signal
import lightning as L

trainer = L.Trainer(max_epochs=100)

def on_sigterm(signum, frame):
    trainer.save_checkpoint("last.ckpt")

signal.signal(signal.SIGTERM, on_sigterm)
trainer.fit(model, loader)
""", "Lightning's fit keeps the handler, calls it after its own and stops at the next batch"),
    )
    invalid = (
        Example("""
import signal, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")

# expect: SIG004
signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    for batch in loader:
        model(batch).backward()
        optimizer.step()
""", "saves, then training resumes until SIGKILL"),
        Example("""
import signal, torch

def on_sigterm(signum, frame):
    global stop
    stop = True

def train():
    for batch in loader:
        model(batch).backward()
        optimizer.step()
        if stop:
            torch.save(model.state_dict(), "ckpt.pt")

# expect: SIG004
signal.signal(signal.SIGTERM, on_sigterm)
train()
""", "the loop saves when the flag is set but never leaves"),
    )

    def check(self, analysis):
        for registration in analysis.sigterm_registrations():
            entries = [e for e in analysis.entries_registering(registration)
                       if e.first_work and not replaced_before_work(analysis, e, registration)
                       and not e.library_stops_after(registration)]
            if not entries or registration.action != "handler":
                continue
            unstopped = self._unstopped(analysis, registration, entries)
            main = analysis.main_of(unstopped)
            if not unstopped or any(analysis.saves.prove([t.func_id for t in other.handlers], main)
                                    for other in rank_alternatives(analysis, registration)):
                continue  # rank 0 saves for the job: the other ranks' runs keep nothing of their own
            names = handler_names(analysis, registration)
            trace = [analysis.registration_point(registration)] + [analysis.handler_point(t.func_id) for t in registration.handlers]
            where = in_other_runs(analysis, [e for e in entries if e not in unstopped])
            for ways in ([[]] if not where else [analysis.path_points(e.path_to(registration.func_id)) for e in unstopped]):
                deadline = analysis.deadline_for(unstopped)
                yield self.finding(
                    analysis.registration_point(registration),
                    f"SIGTERM handler {names} returns without stopping{where}: training resumes until SIGKILL "
                    f"{deadline} later ({deadline.aside})",
                    [*ways, *trace],
                )

    @staticmethod
    def _unstopped(analysis, registration, entries) -> list:
        """The entry points whose runs the handler stops nothing in: all, where no run's loop leaves
        on it; else each judged on its own, as SIG002 judges saving (Megatron's flag, which
        pretrain_gpt.py's loop checks and tasks/vision/main.py's does not)."""
        handlers = [t.func_id for t in registration.handlers]
        if not analysis.stopping.stops(handlers, analysis.main_of(entries)):
            return entries
        return [e for e in entries if not analysis.stopping.stops(handlers, analysis.main_of([e]))] if len(entries) > 1 else []
