from __future__ import annotations

from sigcheck.checking.blocking_calls import blocking_events
from sigcheck.checking.held_locks import held_outside
from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.live import reach_live
from sigcheck.model.locks import LockTakers
from sigcheck.model.trace import Point


# A lock the main thread takes once before the handler is registered (unsloth's studio); what
# follows the registration decides whether it can be holding it when the handler runs.
_RECORDS = """
import signal, sys, threading, time

records_lock = threading.Lock()
records = {{}}

def adopt(pid):
    with records_lock:
        records[pid] = time.time()

def on_sigterm(signum, frame):
{expect}    with records_lock:
        records.clear()
    sys.exit(0)

adopt(0)
signal.signal(signal.SIGTERM, on_sigterm)"""


class BlockingCallInHandler(Rule):
    """A SIGTERM handler reaches a call that can wait without bound.

    ## What it does
    Follows each SIGTERM handler through the functions it calls and reports calls that can
    block: `time.sleep`, `join()`/`wait()`/`communicate()` without a timeout or with one that
    reaches the deadline, `subprocess.run`/`call`/`check_*` so, `Queue.get` and `Lock.acquire` without
    a timeout (and `with lock:` on a lock that is not reentrant, where code the main thread runs
    outside the handler, after the handler is registered, takes the same lock: it may hold it when
    the signal comes), network I/O (requests without `timeout=`, urllib, S3 uploads), `input()`,
    `torch.distributed` collectives and barriers, and `while True` loops with no way out. A
    sleep is a pause, not reported, when its length is known and, times the rounds of the `for
    range(n)` loops around it, at most a tenth of the deadline (`time.sleep(0.5)` before a kill,
    three retries a second apart, or backing off as `0.05 * (attempt + 1)` or `2 ** attempt`
    seconds), or when the loop around it stops at a deadline on the clock
    (`while time.monotonic() < deadline`); waiting on a child with no deadline is reported. A
    branch on a flag parameter the handler's call leaves at its false default (`if no_sync:` in
    `cancel_run(reason, no_sync=False)`, called as `cancel_run(msg)`) does not run.

    ## Why is this bad?
    The deadline keeps running while the handler waits. If it is still waiting when SIGKILL
    arrives (120 s after SIGTERM on SageMaker) the save it was about to make never happens. A
    collective waits for ranks that were stopped at other points and never arrive.

    ## Example
    ```python
    def on_sigterm(signum, frame):
        uploader.join()
        torch.save(model.state_dict(), ckpt_path)
    ```

    ## Use instead
    ```python
    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), ckpt_path)  # SageMaker uploads checkpoints/ itself
        uploader.join(timeout=10)
    ```
    """

    code = "SIG003"
    name = "blocking-call-in-handler"
    severity = "error"

    valid = (
        Example("""
import signal, sys, deepspeed

engine, optimizer, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters(), config="ds.json")
stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    engine.backward(engine(batch))
    engine.step()
    if stop:
        engine.save_checkpoint("checkpoints")
        sys.exit(0)
""", "the handler sets a flag; every rank saves with DeepSpeed at its next step, outside the handler"),
        Example("""
import signal, sys, threading, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")
    worker.join(timeout=5)
    print(", ".join(["saved", "exiting"]))
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "join with a timeout is bounded, and str.join is not a thread join"),
        Example("""
import signal, time

def on_sigterm(signum, frame):
    global stop
    stop = True

def train():
    while not stop:
        time.sleep(1)

signal.signal(signal.SIGTERM, on_sigterm)
train()
""", "the sleep is in the training loop, not in the handler"),
        Example("""
import signal, subprocess, sys

def on_sigterm(signum, frame):
    subprocess.run(["sync"], timeout=10)
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "a subprocess with a timeout shorter than the deadline is bounded"),
        Example("""
import signal
import torch.distributed as dist

class Trainer:
    def cancel_run(self, reason, no_sync=False):
        self.cancel_reason = reason
        if no_sync:
            self.canceled = True
            dist.barrier()

    def on_sigterm(self, signum, frame):
        self.cancel_run("SIGTERM received")

    def fit(self):
        signal.signal(signal.SIGTERM, self.on_sigterm)
""", "the barrier runs only for callers that pass no_sync=True; the handler leaves it False"),
        Example("""
import signal, subprocess, sys, time

uploader = subprocess.Popen(["python", "upload.py"])

def stop_uploader(timeout=5.0):
    uploader.terminate()
    time.sleep(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if uploader.poll() is not None:
            return
        time.sleep(0.05)
    uploader.kill()

def on_sigterm(signum, frame):
    stop_uploader()
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "a half-second pause, then polling the child until a deadline on the clock", name="pause-and-poll-until-a-deadline"),
        Example("""
import signal, sys, time, torch

def on_sigterm(signum, frame):
    for attempt in range(3):
        if release_lease():
            break
        time.sleep(0.05 * (attempt + 1))
    torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "three retries backing off 0.05, 0.1 and 0.15 s: 0.3 s in all"),
        Example("""
import signal, sys, threading, torch

lock = threading.Lock()

def on_sigterm(signum, frame):
    with open("stopped.txt", "w") as marker, torch.no_grad():
        marker.write("stopping")
    if lock.acquire(timeout=5):
        torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "a file and no_grad are no locks; the lock is taken with a timeout"),
        Example("""
import signal, sys, threading, torch

state_lock = threading.Lock()
log_lock = threading.RLock()

def on_sigterm(signum, frame):
    with state_lock:
        torch.save(model.state_dict(), "ckpt.pt")
    with log_lock:
        print("saved")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    with log_lock:
        print("step")
    train_step(batch)
""", "only the handler takes state_lock, and the main thread may take the reentrant log_lock again"),
        Example(_RECORDS.format(expect="") + """
stopped = threading.Event()
while not stopped.is_set():
    stopped.wait(timeout=1)
""", "the main thread takes the lock only before the handler is registered, which cannot interrupt it (unsloth's studio)"),
    )
    invalid = (
        Example("""
import signal, sys, deepspeed

engine, optimizer, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters(), config="ds.json")

def on_sigterm(signum, frame):
    # expect: SIG003
    engine.save_checkpoint("checkpoints")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "DeepSpeed's save_checkpoint waits at a barrier for every rank (DALLE-pytorch's save_model, triage DB)",
            name="deepspeed-save-checkpoint"),
        Example("""
import signal, subprocess, sys, time

uploader = subprocess.Popen(["python", "upload.py"])

def on_sigterm(signum, frame):
    uploader.terminate()
    while uploader.poll() is None:
        # expect: SIG003
        time.sleep(0.5)
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "polling the child with no deadline waits as long as the child takes to exit", name="poll-with-no-deadline"),
        Example("""
import signal, sys, torch
import lightning as L

fabric = L.Fabric(strategy="ddp", devices=2)

def on_sigterm(signum, frame):
    # expect: SIG003
    fabric.barrier()
    if fabric.global_rank == 0:
        torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "Lightning Fabric's barrier waits for every rank, as torch.distributed's does (lit-llama's save_model_checkpoint)",
            name="fabric-barrier"),
        Example("""
import signal
import torch.distributed as dist

class Trainer:
    def cancel_run(self, reason, no_sync=False):
        self.cancel_reason = reason
        if no_sync:
            self.canceled = True
            # expect: SIG003
            dist.barrier()

    def on_sigterm(self, signum, frame):
        self.cancel_run("SIGTERM received", no_sync=True)

    def fit(self):
        signal.signal(signal.SIGTERM, self.on_sigterm)
""", "the handler passes no_sync=True: the barrier waits for ranks that may never arrive"),
        Example("""
import signal, sys, time, torch

def save_and_wait():
    torch.save(model.state_dict(), "ckpt.pt")
    # expect: SIG003
    time.sleep(30)

def on_sigterm(signum, frame):
    save_and_wait()
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "a sleep two calls down from the handler"),
        Example("""
import signal, sys, time

def on_sigterm(signum, frame):
    for attempt in range(10):
        if release_lease():
            break
        # expect: SIG003
        time.sleep(2 ** attempt)
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "exponential backoff over ten retries can wait 512 s on the last one alone"),
        Example("""
import signal, sys, threading, torch

class Checkpointer:
    def __init__(self, model):
        self.model = model
        self._lock = threading.Lock()

    def save(self):
        # expect: SIG003
        with self._lock:
            torch.save(self.model.state_dict(), "ckpt.pt")

    def on_sigterm(self, signum, frame):
        self.save()
        sys.exit(0)

checkpointer = Checkpointer(model)
signal.signal(signal.SIGTERM, checkpointer.on_sigterm)
for batch in loader:
    with checkpointer._lock:
        train_step(batch)
""", "the training loop holds the lock when the signal comes: the handler's `with` waits for it forever"),
        Example(_RECORDS.format(expect="    # expect: SIG003\n") + """
for step in range(1000):
    adopt(step)
""", "taken before the registration, and again after it: the handler may come while the main thread holds it"),
        Example("""
import signal, sys
import torch.distributed as dist
import requests

def on_sigterm(signum, frame):
    # expect: SIG003
    dist.barrier()
    # expect: SIG003
    requests.post("http://tracker/stop", json={"job": 1})
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "a barrier and a request without timeout can both hang until SIGKILL"),
        Example("""
import signal

def on_sigterm(signum, frame):
    # expect: SIG003
    while True:
        flush_metrics()

signal.signal(signal.SIGTERM, on_sigterm)
""", "an endless loop inside the handler"),
        Example("""
import signal, subprocess, sys

trainer = subprocess.Popen(["python", "train.py"])

def on_sigterm(signum, frame):
    trainer.terminate()
    # expect: SIG003
    trainer.wait(timeout=300)
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
trainer.wait()
""", "a timeout longer than the deadline bounds nothing: SIGKILL comes first (prime-rl's launcher)",
            name="timeout-past-the-deadline"),
    )

    def check(self, analysis):
        locks = LockTakers(analysis.functions, analysis.graph.resolver)
        for registration in analysis.sigterm_registrations():
            handlers = [t.func_id for t in registration.handlers]
            if not handlers:
                continue
            parents, skipped = reach_live(analysis.graph, handlers)
            entries = analysis.entries_reaching(registration.func_id, registration.site)
            deadline = analysis.deadline_for(entries)
            for func_id in parents:
                for event, what in blocking_events(analysis, func_id, skipped[func_id], deadline.seconds):
                    if isinstance(event, ir.With):
                        holder = held_outside(analysis, locks, event, parents, entries, registration)
                        if holder is None:
                            continue
                        what = f"{what} that {analysis.describe(holder)} also takes"
                    trace = [analysis.registration_point(registration), analysis.handler_point(handlers[0])]
                    trace += analysis.path_points(analysis.graph.path(parents, func_id))
                    anchor = Point(func_id, event.node, f"{what} can block")
                    yield self.finding(
                        anchor,
                        f"SIGTERM handler reaches {what}, which can block until SIGKILL arrives "
                        f"{deadline} after the stop ({deadline.aside})",
                        trace + [anchor],
                    )
