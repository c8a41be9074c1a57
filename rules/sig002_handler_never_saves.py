from __future__ import annotations

from sigcheck.checking.handler_work import dead_ends, handler_names, in_other_runs, unsaved_entries
from sigcheck.checking.registration_conditions import replaced_before_work
from sigcheck.checking.rule import Example, Rule
from sigcheck.checking.library_stops import unsaved_library_stop

class HandlerNeverSaves(Rule):
    """A SIGTERM handler that no path connects to code saving the model or checkpoint.

    ## What it does
    Follows each SIGTERM handler of a training entry point and looks for saving code
    (`torch.save`, `save_pretrained`, Keras `save`, `save_model`, `save_checkpoint`, `np.save`,
    `pickle.dump`, files opened for writing but not to append a log line, ...) reached in one
    of three ways:
    - directly: the handler, or a function it calls, saves;
    - through a stop flag: the handler sets a flag (a global, an attribute, a
      `threading.Event`) that the training loop checks, itself or through a `@property` that
      returns it, and the branch taken, or the code after the loop it leaves, saves (or every pass
      of that loop saves before the test: `end_epoch()` writes params.pkl, then `if stop: break`); the test may
      be in a callback the library's loop runs, whose branch asks the library to stop
      (`control.should_training_stop = True`, an Estimator hook's `run_context.request_stop()`,
      an SB3 callback's `_on_step` returning `not STOP`) and the code after the fit call saves, or the library does as it stops (the Estimator's
      CheckpointSaverHook), or asks the library to save (`control.should_save = True`: the
      Trainer saves at the end of that step); a branch may answer through a flag of its own
      that a later test answers (`self.pending = True`, then `if self.pending:` in on_save); a
    method named as a save on an object sigcheck cannot resolve may be one, and counts
    (speechbrain's `self.checkpointer.save_and_keep_only()`, built from the recipe's YAML);
    - through an exception: the handler raises (`sys.exit` raises `SystemExit`) and the
      exception unwinds to a `finally`, a matching `except` or a context manager's `__exit__`
      around the training loop that saves, or into a library's fit that catches it and saves
      (coqui's Trainer.fit on KeyboardInterrupt, which `signal.default_int_handler` raises), or,
      uncaught, ends the interpreter so that an
      `atexit` function that saves runs (through a saving call: one that only writes a file of
      its own, a trace or a log flushed at exit, is cleanup).

    A handler several entry points share (a signal-handling class of the project's) is judged in
    each of their runs, and reported with the way from an entry point whose run it saves nothing
    for: one script's loop may save on its flag while another's only breaks.

    A handler that calls the one installed before it (`previous = signal.getsignal(SIGTERM)`,
    then `previous(signum, frame)`, as telemetry and launchers chain theirs) saves if another
    SIGTERM handler of its run does. Two handlers a stop of the training never depends on are
    left alone: one that another registration replaces, in every run, before the training
    starts (a handler that ignores SIGTERM while the data loads), and the other ranks' side of
    a rank test (`if rank == 0: ... else: ...`) whose rank 0 handler saves for the job.

    A library's own handler counts too. Importing Composer installs `sys.exit(128 + signal)`,
    and since 0.17 nothing on its way out saves. Lightning's fit (from 2.0) stops at the next
    batch by raising SIGTERMException, a SystemExit, and saves only in the exception hooks of
    the callbacks it is handed: OnExceptionCheckpoint, ModelCheckpoint with `save_on_exception`
    (2.5.3), or a project callback whose `on_exception` saves; ModelCheckpoint's own checkpoints
    wait for an epoch or validation end. A run that registers no handler of its own is reported
    at the fit call, unless the SystemExit unwinds to a save of the project's, a pin keeps it on
    Composer 0.14 to 0.16 (which saved on close, into the save_folder the Trainer is given), or
    sigcheck cannot see what the trainer is handed (LightningCLI's configuration, callbacks it
    cannot follow). Callbacks Hydra builds
    (`hydra.utils.instantiate(cb_conf)`, lightning-hydra-template's layout) are judged by the
    YAML files under the `@hydra.main` config_path: whatever its defaults lists compose, no run
    builds a callback none of them names. The fit is reported when no file names one that saves
    and every callback under a `callbacks` folder or key is Lightning's or a project class
    sigcheck read; a configuration that extends Hydra's search path, or cannot be read whole, is
    not judged.

    ## Why is this bad?
    A handler that only logs, or exits without saving, turns a stop into lost work just as
    surely as no handler. `except Exception` does not catch `SystemExit` or `KeyboardInterrupt`,
    a common reason why the save never runs.

    ## Example
    ```python
    def on_sigterm(signum, frame):
        logger.info("stopping")
        sys.exit(0)
    ```

    ## Use instead
    ```python
    def on_sigterm(signum, frame):
        save_checkpoint(model, optimizer, epoch)
        sys.exit(0)
    ```

    ## Known limits
    A handler that sigcheck cannot resolve (stored in a container, built by a factory it does not
    follow) is not reported.
    """

    code = "SIG002"
    name = "handler-never-saves"
    severity = "error"

    valid = (
        Example("""
import atexit, signal, sys, torch

def on_sigterm(signum, frame):
    sys.exit(0)

atexit.register(lambda: torch.save(model.state_dict(), "last.pt"))
signal.signal(signal.SIGTERM, on_sigterm)
for step in range(100_000):
    model(batch).backward()
    optimizer.step()
""", "sys.exit ends the interpreter normally, and the atexit function saves the model"),
        Example("""
import signal, sys, torch

STOP = False

def on_sigterm(signum, frame):
    global STOP
    STOP = True

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        if STOP:
            torch.save(model.state_dict(), "ckpt.pt")
            sys.exit(0)
""", "the loop checks the flag and saves in that branch"),
        Example("""
import signal, sys, torch

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
try:
    for epoch in range(100):
        train_one_epoch(model)
        optimizer.step()
finally:
    torch.save(model.state_dict(), "ckpt.pt")
""", "SystemExit unwinds to the finally that saves"),
        Example("""
import signal, threading, torch

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())

def train():
    for step in range(10_000):
        loss = model(next(batches))
        loss.backward()
        optimizer.step()
        if stop.is_set():
            break
    torch.save(model.state_dict(), "model.pt")

train()
""", "an Event checked in the loop; the save after the loop runs once it breaks"),
        Example("""
import signal, sys

class Trainer:
    def __init__(self, model):
        self.model = model
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        self.model.save_pretrained("out")
        sys.exit(0)

    def fit(self):
        for batch in self.loader:
            self.model(batch).loss.backward()
            self.optimizer.step()

Trainer(model).fit()
""", "a bound method handler that saves directly"),
        Example("""
import signal
from transformers import Trainer, TrainerCallback

class StopOnSigterm(TrainerCallback):
    def __init__(self):
        self.control = None
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_step_end(self, args, state, control, **kwargs):
        self.control = control

    def on_sigterm(self, signum, frame):
        self.control.should_training_stop = True

trainer = Trainer(model=model, train_dataset=ds, callbacks=[StopOnSigterm()])
trainer.train()
trainer.save_model("out/final")
""", "the library polls should_training_stop, train() returns, and the model is saved after it"),
        Example("""
import signal, torch
import torch.distributed as dist

STOP = False

def on_sigterm(signum, frame):
    global STOP
    STOP = True

signal.signal(signal.SIGTERM, on_sigterm)
for step in range(100_000):
    model(next(batches)).backward()
    optimizer.step()
    stop = torch.tensor([int(STOP)], device="cuda")
    dist.all_reduce(stop)
    if stop.item():
        torch.save(model.state_dict(), "ckpt.pt")
        break
""", "every rank agrees to stop: the flag, summed over the ranks, is what the loop tests"),
        Example("""
import signal

from transformers import Trainer, TrainerCallback


class StopOnSigterm(TrainerCallback):
    def __init__(self):
        self.stopping = False
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        self.stopping = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.stopping:
            control.should_training_stop = True


trainer = Trainer(model=model, args=args, callbacks=[StopOnSigterm()])
trainer.train()
trainer.save_model()
""", "a callback the Trainer runs after each step tests the flag and asks the Trainer to stop; train returns and the model is saved"),
        Example("""
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint, OnExceptionCheckpoint

trainer = L.Trainer(max_epochs=100, callbacks=[ModelCheckpoint(every_n_epochs=5), OnExceptionCheckpoint("ckpt")])
trainer.fit(model, loader)
""", "Lightning's handler stops the fit by raising, and OnExceptionCheckpoint saves as it leaves"),
    )

    invalid = (
        Example("""
import signal, torch

STOP = False

def on_sigterm(signum, frame):
    global STOP
    STOP = True

# expect: SIG002
signal.signal(signal.SIGTERM, on_sigterm)
stopping = STOP
for step in range(100_000):
    model(next(batches)).backward()
    optimizer.step()
    if stopping:
        torch.save(model.state_dict(), "ckpt.pt")
        break
""", "the loop tests a copy of the flag taken once before it starts: the handler's change never reaches it"),
        Example("""
import signal, torch

stop = False

def on_signal(signum, frame):
    global stop
    stop = True

for name in ("SIGINT", "SIGTERM"):
    sig = getattr(signal, name, None)
    if sig is not None:
        # expect: SIG002
        signal.signal(sig, on_signal)

while not stop:
    model(batch).backward()
    optimizer.step()
""", "the flag ends the loop and nothing after it saves (lerobot's learner); the signal comes from `getattr(signal, name, None)`"),
        Example("""
import logging, signal, sys, torch

def on_sigterm(signum, frame):
    logging.info("got SIGTERM, exiting")
    sys.exit(0)

# expect: SIG002
signal.signal(signal.SIGTERM, on_sigterm)
try:
    for epoch in range(100):
        loss = model(batch)
        loss.backward()
        optimizer.step()
except Exception:
    torch.save(model.state_dict(), "ckpt.pt")
""", "except Exception does not catch SystemExit, so the save never runs"),
        Example("""
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint

trainer = L.Trainer(max_epochs=100, callbacks=[ModelCheckpoint(every_n_epochs=5, save_last=True)])
# expect: SIG002
trainer.fit(model, loader)
""", "Lightning's handler stops the fit at the next batch, and ModelCheckpoint saves only at epoch ends: up to five epochs are lost"),
        Example("""
import os, signal, torch

shard_sizes = [4, 4]
fired = [False]

def on_sigterm(signum, frame):
    if not fired[0]:  # a re-entry guard: no loop looks at it
        fired[0] = True
        print("flushing telemetry")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signum)

# expect: SIG002
signal.signal(signal.SIGTERM, on_sigterm)
for step in range(100_000):
    model(batch).backward()
    optimizer.step()
    if step % 1000 == 0 and shard_sizes[0] > 0:
        torch.save(model.state_dict(), "ckpt.pt")
""", "`fired[0]` is the guard's own list: the test of `shard_sizes[0]` before the save is no check of it"),
        Example("""
import signal, torch

stop_requested = False

def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True

# expect: SIG002, SIG004
signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    loss = model(batch)
    loss.backward()
    optimizer.step()
torch.save(model.state_dict(), "final.pt")
""", "the flag is set but no loop ever checks it"),
    )

    def check(self, analysis):
        for registration in analysis.sigterm_registrations():
            entries = [e for e in analysis.entries_registering(registration)
                       if e.trains_beside(registration.func_id) and not replaced_before_work(analysis, e, registration)]
            if not entries or registration.action not in ("handler", "external"):
                continue
            handler = handler_names(analysis, registration)
            trace = [analysis.registration_point(registration)]
            trace += [analysis.handler_point(t.func_id) for t in registration.handlers]
            trace += dead_ends(analysis, registration)
            unsaved = unsaved_entries(analysis, registration, entries)
            where = in_other_runs(analysis, [e for e in entries if e not in unsaved])
            for entry in unsaved:  # each names its way to the handler
                yield self.finding(
                    analysis.registration_point(registration),
                    f"SIGTERM handler {handler} never leads to code that saves{where}, so a stop loses the work since the "
                    "last checkpoint",
                    [*analysis.path_points(entry.path_to(registration.func_id)), *trace],
                )

        yield from self._library_exits(analysis)

    def _library_exits(self, analysis):
        """A library's own handler that exits (Composer's `sys.exit`, installed when it is
        imported) or stops its fit by raising (Lightning's), where nothing saves on the way out."""
        for entry in analysis.entries:
            stop = unsaved_library_stop(analysis, entry)
            if stop is not None:
                headline, step = self._worded(stop)
                fit = analysis.point(stop.func_id, stop.site, f"fit call: {step}")
                yield self.finding(fit, headline, [*analysis.path_points(entry.path_to(stop.func_id)), fit])

    @staticmethod
    def _worded(stop) -> tuple[str, str]:
        """The finding's message and its trace step at the fit."""
        label, lost = stop.library.option("label", "the library's"), "so a stop loses the work since the last checkpoint"
        if not stop.raises:
            return (f"{label} SIGTERM handler (installed on import) exits at once and nothing on the way out saves, {lost}",
                    f"{label} SIGTERM handler ends it with SystemExit, and no finally, except SystemExit or atexit "
                    "function on the way out saves")
        hook, instead = stop.library.option("exception-hook"), stop.library.option("instead")
        if stop.configured is not None:
            hook += f" (none of those the Hydra configuration in {stop.configured} names saves)"
            instead = f"in that configuration, {stop.library.option('configured-instead')}"
        return (f"{label} SIGTERM handler stops the fit at the next batch by raising, and no callback's "
                f"{hook}, finally, except SystemExit or atexit function saves, {lost}"
                + (f"; {instead}" if instead else ""),
                f"{label} SIGTERM handler raises here at the next batch, and nothing on the way out saves")
