from __future__ import annotations

from sigcheck.checking.polling import (called_after, first_polling_loop, loop_trace, on_other_sides, one_steps_microbatches,
                                       other_commands, polls, within_a_polling_loop)
from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.steps import few_iterations


class StopFlagNotPolled(Rule):
    """A long loop that never checks the stop flag the SIGTERM handler sets.

    ## What it does
    When a SIGTERM handler sets a stop flag (one the run checks on its way to a save, not state
    such as a telemetry span it ends), looks at every long loop the entry point runs once the
    handler is registered and the training has started (training and inner batch loops,
    evaluation over a data loader, warm-up) and reports those that never check the flag,
    themselves or through a function they call. Before the training starts a stop loses nothing,
    so building a dataset is not reported (in a run that trains nothing, such as a robot's rollout
    recording episodes, before the first loop that checks the flag starts); nor are the loops of a
    function called inside an iteration of a loop that checks the flag, unless they go over data
    (one step's microbatches end with the step, as does a list every caller builds for that step,
    one batch per domain; a loop over the loader, or a list of all of it, once an epoch, is
    reported). The same holds for gradient accumulation inside such an iteration: a counted loop
    that updates nothing, followed by the optimizer's step (`for micro_step in range(grad_accum_steps):`).
    Nor is a loop of another command than the one that registers the handler, where a command-line
    runner picks one (a Typer app's `serve` and `quantize`).

    Where sigcheck cannot place the registration in the run's order (a run too long for its
    walk), it cannot tell which loops come after it, and reports none.

    A loop of a few iterations written out (`for _ in range(11):`, warm-up steps before a CUDA graph)
    around no other loop, or one that always leaves after its first pass, ends within seconds.

    A handler that ends the process on every path (`sys.exit` or a raise at its top level, after
    setting whatever else) interrupts any loop, so no loop is reported for it.

    ## Why is this bad?
    A stop that arrives while such a loop runs goes unnoticed until the loop ends. A full
    evaluation pass or a long epoch easily outlasts the 120 s before SIGKILL, and the save that
    the flag would have triggered never happens.

    ## Example
    ```python
    for epoch in range(epochs):
        for batch in train_loader:      # runs for an hour without looking at the flag
            step(batch)
        if stop_requested:
            save(); break
    ```

    ## Use instead
    ```python
    for epoch in range(epochs):
        for batch in train_loader:
            step(batch)
            if stop_requested:
                break
        if stop_requested:
            save(); break
    ```
    """

    code = "SIG012"
    name = "stop-flag-not-polled"
    severity = "warning"

    valid = (
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

def evaluate():
    for batch in val_loader:
        if stop:
            return
        model(batch)

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    for batch in train_loader:
        model(batch).backward()
        optimizer.step()
        if stop:
            torch.save(model.state_dict(), "ckpt.pt")
            sys.exit(0)
    evaluate()
""", "both the batch loop and the evaluation loop check the flag"),
        Example("""
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in train_loader:
    model(batch).backward()
    optimizer.step()
""", "no stop flag: the handler exits by itself"),
        Example("""
import signal, sys, torch

ray_running = True

def shutdown():
    torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(1)

def on_sigterm(signum, frame):
    global ray_running
    if ray_running:
        ray_running = False
    shutdown()

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    for batch in train_loader:
        model(batch).backward()
        optimizer.step()
    if not ray_running:
        break
""", "the handler clears a flag a loop reads, then always ends the process through shutdown()"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for _ in range(11):  # warm-up on a side stream before capturing the CUDA graph
    model(static_batch).backward()
    optimizer.step()
for batch in train_loader:
    graph.replay()
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "eleven warm-up steps, a count written out, end in seconds"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

def first_batch(loader):  # one batch, to count the model's operations (PaddleDetection's _flops)
    for data in loader:
        return data
signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    for batch in train_loader:
        model(batch).backward()
        optimizer.step()
        if stop:
            torch.save(model.state_dict(), "ckpt.pt")
            sys.exit(0)
    print(first_batch(train_loader).shape)
""", "a loop that always leaves after its first pass ends at once"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

def build_indices(raw_dataset):
    indices = []
    for position, sample in enumerate(raw_dataset):
        if len(sample) > 8:
            indices.append(position)
    return indices

def train_step(microbatches):
    for microbatch in range(microbatches):
        model(data_iterator).backward()
    optimizer.step()

signal.signal(signal.SIGTERM, on_sigterm)
indices = build_indices(raw_dataset)
for iteration in range(100000):
    train_step(8)
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "Megatron: the dataset is built before training starts, and one step's microbatches end with the step the loop checks after", name="dataset-building-and-microbatches"),
        Example("""
import signal, time
import typer

app = typer.Typer()
serving = True

def on_sigterm(signum, frame):
    global serving
    serving = False

@app.command()
def serve():
    signal.signal(signal.SIGTERM, on_sigterm)
    while serving:
        time.sleep(0.5)

@app.command()
def quantize():
    for batch in calibration_loader:
        model(batch).backward()
        optimizer.step()

app()
""", "text-generation-inference's CLI: `serve` registers the handler, `quantize` is another command, another run", name="another-command"),
        Example("""
import signal, threading, torch

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())


def dataset_stats(dataset):
    total = 0.0
    for sample in dataset:
        total += float(sample.sum())
    return total


stats = dataset_stats(dataset)
frames = []
try:
    while not stop.is_set():
        frames.append(policy(robot.observe(), stats))
finally:
    torch.save(frames, "episode.pt")
""", "a run that trains nothing (a robot's rollout) has nothing to lose before the loop that checks the flag starts"),
    )
    invalid = (
        Example("""
import signal, threading, torch

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())

frames = []
while not stop.is_set():
    frames.append(policy(robot.observe()))
# expect: SIG012
for frame in dataset_of(frames):
    encode(frame)
torch.save(frames, "episode.pt")
""", "once the recording has started, a loop over the data that ignores the flag delays the save"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

def train_one_epoch(loader):
    # expect: SIG012
    for batch in loader:
        model(batch).backward()
        optimizer.step()

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    train_one_epoch(train_loader)
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "the epoch loop checks the flag, but the batch loop it calls goes over the whole loader first", name="batch-loop-called-once-an-epoch"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    if stop:
        sys.exit(1)  # only a second SIGTERM exits
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    # expect: SIG012
    for batch in train_loader:
        model(batch).backward()
        optimizer.step()
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "the handler exits only on a second SIGTERM: the first sets the flag the batch loop never reads"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
# expect: SIG012
for _ in range(2000):
    model(static_batch).backward()
    optimizer.step()
for batch in train_loader:
    model(batch).backward()
    optimizer.step()
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "two thousand steps written out are a long loop, not a warm-up"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    # expect: SIG012
    for batch in train_loader:
        model(batch).backward()
        optimizer.step()
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "the flag is checked once per epoch; the batch loop runs on"),
    )

    def check(self, analysis):
        for registration in analysis.sigterm_registrations():
            handlers = [t.func_id for t in registration.handlers]
            if handlers and all(analysis.stopping.always_exits(h) for h in handlers):
                continue  # the handler's exit interrupts any loop: there is nothing to poll
            flags = {flag for flag, _ in analysis.saves.flags_set(handlers)} if handlers else set()
            for entry in analysis.entries_registering(registration):
                # A stop flag is one whose check leads to a save: state the handler resets that
                # the run only looks at for its own sake (a telemetry span) tells no loop to stop.
                checked = [f for f in flags if analysis.saves.flag_response(f, entry.main) is not None]
                if not checked:
                    continue
                registered_at = entry.position(registration.func_id, registration.site)
                if registered_at is None:
                    continue  # not placed in the run's order (the walk's budget): which loops follow is unknown
                # Before the training starts there is nothing a stop could lose: building datasets is
                # not reported. A run that trains nothing (a robot's rollout recording episodes) has
                # something to lose once the loop that checks the flag starts.
                started = entry.first_work_position()
                if started is None:
                    started = first_polling_loop(analysis, entry, checked, registered_at)
                yield from self._unpolled(analysis, entry, registration, checked, max(registered_at, started or 0))

    def _unpolled(self, analysis, entry, registration, flags, registered_at):
        pollers = analysis.flags.pollers(frozenset(flags))
        registered_by: list | None = None  # the way to the registration, walked once if a loop needs it
        for func_id in analysis.looping:  # the functions with loops this could be about, in order
            if func_id not in entry.main:
                continue
            fn = analysis.functions[func_id]
            reported_until, excused = -1, None  # excused: asked once, at the first loop that would be reported
            for event in fn.events:
                if not isinstance(event, ir.Loop) or event.index < reported_until:
                    continue
                at = entry.position(func_id, event)
                if at is None or (at < registered_at and not called_after(analysis, entry, func_id, registered_at)) \
                        or analysis.work.loop_kind(func_id, event) is None or few_iterations(fn, event) \
                        or polls(analysis, func_id, event, flags, pollers) or one_steps_microbatches(analysis, func_id, event, flags, pollers):
                    continue
                if excused is None:
                    way = entry.path_to(func_id)
                    registered_by = entry.path_to(registration.func_id) if registered_by is None else registered_by
                    excused = within_a_polling_loop(analysis, way, flags, pollers) or other_commands(analysis, registered_by, way) \
                        or on_other_sides(analysis, registration, registered_by, way, func_id, event)
                if excused:
                    break
                reported_until = event.end
                anchor = analysis.point(func_id, event, "this loop never checks the flag")
                yield self.finding(
                    anchor,
                    "This loop never checks the stop flag the SIGTERM handler sets: a stop during it waits "
                    f"for the loop to end, and SIGKILL comes {entry.deadline} after the stop ({entry.deadline.aside})",
                    loop_trace(analysis, registration, registered_by, way, anchor),
                    deadline=entry.deadline.seconds,
                )
