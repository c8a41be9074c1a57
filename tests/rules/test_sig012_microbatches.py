"""SIG012 and gradient accumulation: the microbatches of one step end with the step, whether a
loop inside the iteration that checks the flag runs them (nanoGPT, llm.c) or a loop over the
microbatches a batch is split into (guided-diffusion), and so does a loop over the parts every
caller builds for one step (DomainBed's minibatch per domain); a counted loop that steps the
optimizer is a whole epoch of steps, and a list made of the whole loader an epoch: both are reported."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

SILENT = (
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

def update(minibatches):
    loss = 0.0
    for x, y in minibatches:  # one batch per training domain, built for this step
        loss = loss + model(x).sum()
    loss.backward()
    optimizer.step()

signal.signal(signal.SIGTERM, on_sigterm)
domains = zip(*[iter(loader) for loader in domain_loaders])
for step in range(100000):
    minibatches = [(x.cuda(), y.cuda()) for x, y in next(domains)]
    update(minibatches)
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "DomainBed: the step's loop goes over one batch per domain, built from one next(), and ends with the step", name="one-steps-parts"),
        Example("""
import signal, torch

stop_requested = False

def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True

def split_microbatches(size, *tensors):
    for i in range(0, len(tensors[0]), size):
        yield tuple(t[i:i + size] for t in tensors)

signal.signal(signal.SIGTERM, on_sigterm)
for step in range(max_steps):
    if stop_requested:
        break
    for micro_step in range(grad_accum_steps):  # nanoGPT's gradient accumulation
        x, y = train_loader.next_batch()
        model(x, y).backward()
    optimizer.step()
    batch, labels = next(data)
    for sub_batch, sub_labels in split_microbatches(4, batch, labels):  # guided-diffusion's
        classifier(sub_batch, sub_labels).backward()
    classifier_optimizer.step()
torch.save(model.state_dict(), "model.pt")
""", "gradient accumulation, inline or over the microbatches a batch is split into, ends with the step the loop checks before",
                name="gradient-accumulation"),
)

REPORTED = (
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

def run_epoch(minibatches):
    # expect: SIG012
    for x, y in minibatches:
        model(x).sum().backward()
        optimizer.step()

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(100):
    minibatches = [(x.cuda(), y.cuda()) for x, y in train_loader]
    run_epoch(minibatches)
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
""", "a list built from the whole loader is an epoch's pass, whichever loop calls it", name="whole-loader-as-a-list"),
        Example("""
import signal, sys, torch

stop = False

def on_sigterm(signum, frame):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    if stop:
        torch.save(model.state_dict(), "ckpt.pt")
        sys.exit(0)
    # expect: SIG012
    for step in range(steps_per_epoch):
        model(next(batches)).mean().backward()
        optimizer.step()
""", "a counted loop that steps the optimizer is a whole epoch of steps, not one step's microbatches",
                name="counted-epoch"),
)


@pytest.mark.parametrize("example", SILENT, ids=lambda e: e.name)
def test_one_steps_microbatches_are_not_reported(example, example_findings):
    found, _ = example_findings("SIG012", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", REPORTED, ids=lambda e: e.name)
def test_a_counted_loop_of_steps_is_reported(example, example_findings):
    found, marked = example_findings("SIG012", example)
    assert [line for path, line in found if path == example.name] == marked, example.why
