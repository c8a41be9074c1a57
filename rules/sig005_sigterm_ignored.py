from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir


class SigtermIgnored(Rule):
    """SIGTERM set to SIG_IGN, or a good handler reset or replaced before the training runs.

    ## What it does
    Reports `signal.signal(SIGTERM, SIG_IGN)` on an entry point's main path, and a reset of
    SIGTERM to `SIG_DFL` or `SIG_IGN` that comes unconditionally after a handler was registered
    and before or during the training work. So is a library call that installs a SIGTERM
    handler of its own from C between the registration and the training
    (`jax.distributed.initialize()`, whose preemption notifier replaces it), or an import that
    does (`import paddle`: PaddlePaddle's core handles SIGTERM itself; the knowledge's
    `replaces-handler` entries), where no handler is registered again after it. Restoring a
    saved handler (`signal.signal(SIGTERM, previous)`) and ignoring SIGTERM in pool worker
    initializers (so that the parent handles it) are not reported.

    ## Why is this bad?
    An ignored SIGTERM means the platform's stop request is never seen: the job runs until
    SIGKILL and loses everything since its last checkpoint. A reset silently throws away the
    handler registered earlier.

    ## Example
    ```python
    signal.signal(signal.SIGTERM, on_sigterm)
    ...
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # left over from debugging
    trainer.fit()
    ```

    ## Use instead
    Register the handler once, after any library that installs its own, and do not reset it
    until the training work is done.
    """

    code = "SIG005"
    name = "sigterm-ignored"
    severity = "error"

    valid = (
        Example("""
import multiprocessing, signal

def init_worker():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

pool = multiprocessing.Pool(4, initializer=init_worker)
""", "pool workers ignore SIGTERM so that the parent decides"),
        Example("""
import signal, sys
import jax

def on_sigterm(signum, frame):
    save(state)
    sys.exit(0)

jax.distributed.initialize()
signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    grads = jax.grad(loss_fn)(state.params, batch)
    state = state.apply_gradients(grads=grads)
""", "the handler registered after jax.distributed.initialize() takes SIGTERM back"),
        Example("""
import signal, sys
import paddle

def on_sigterm(signum, frame):
    paddle.save(model.state_dict(), "model.pdparams")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
model = paddle.nn.Linear(4, 1)
optimizer = paddle.optimizer.SGD(learning_rate=0.1, parameters=model.parameters())
for batch in loader:
    model(batch).mean().backward()
    optimizer.step()
""", "PaddlePaddle imported first, the handler registered after it: the handler is the one that runs"),
        Example("""
import signal

previous = signal.getsignal(signal.SIGTERM)
signal.signal(signal.SIGTERM, on_sigterm)
try:
    for batch in loader:
        model(batch).backward()
        optimizer.step()
finally:
    signal.signal(signal.SIGTERM, previous)
""", "restoring the previous handler after training"),
    )
    invalid = (
        Example("""
import signal

# expect: SIG005
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "the stop request is ignored outright"),
        Example("""
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
# expect: SIG005
signal.signal(signal.SIGTERM, signal.SIG_DFL)
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "a reset throws the handler away before training starts"),
        Example("""
import signal, sys
import jax

def on_sigterm(signum, frame):
    save(state)
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
# expect: SIG005
jax.distributed.initialize()
for batch in loader:
    grads = jax.grad(loss_fn)(state.params, batch)
    state = state.apply_gradients(grads=grads)
""", "JAX's preemption notifier, installed from C, replaces the handler registered before it"),
        Example("""
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
# expect: SIG005
import paddle
model = paddle.nn.Linear(4, 1)
optimizer = paddle.optimizer.SGD(learning_rate=0.1, parameters=model.parameters())
for batch in loader:
    model(batch).mean().backward()
    optimizer.step()
""", "importing PaddlePaddle installs its own C++ handler for SIGTERM (triage DD)"),
    )

    def check(self, analysis):
        for entry in analysis.entries:
            good_seen = None
            sigterm = [r for r in entry.registrations if r.covers_sigterm]
            if not sigterm:
                continue  # nothing to order: the run order of this entry point is not needed
            registrations = sorted(sigterm, key=lambda r: entry.position(r.func_id, r.site) or 0)
            work_at = entry.first_work_position()
            for registration in registrations:
                if registration.action == "handler":
                    good_seen = registration
                elif registration.action == "ignore":
                    yield self._finding(analysis, registration, "SIGTERM is ignored here: the platform's stop request is never seen, and the job runs until SIGKILL")
                elif registration.action == "default" and good_seen is not None and work_at is not None:
                    at = entry.position(registration.func_id, registration.site)
                    if at is not None and at < work_at and _unconditional(analysis, registration):
                        yield self._finding(
                            analysis, registration,
                            f"SIGTERM is reset to the default action before training, discarding the handler "
                            f"`{analysis.describe(good_seen.handlers[0].func_id)}` registered earlier",
                            [analysis.registration_point(good_seen)])
            if good_seen is not None and work_at is not None:
                yield from self._replaced(analysis, entry, registrations, work_at)

    def _replaced(self, analysis, entry, registrations, work_at):
        """A library call that installs its own SIGTERM handler after the last handler registered
        before it and before the training, with none registered again after it."""
        handlers = [(at, r) for r in registrations if r.action == "handler"
                    and (at := entry.position(r.func_id, r.site)) is not None and at < work_at]
        if not handlers:
            return
        order = analysis.work.order(entry.body_id, analysis.ordered, entry.main.runs_a_passer)
        for (func_id, index), at in sorted(order.items(), key=lambda item: item[1]):
            event = analysis.functions[func_id].events[index]
            if not handlers[0][0] < at < work_at:
                continue
            names = _replacers(analysis, func_id, event)
            earlier = [r for registered, r in handlers if registered < at]
            if not names or not earlier or any(registered > at for registered, _ in handlers):
                continue
            handler = analysis.describe(earlier[-1].handlers[0].func_id) if earlier[-1].handlers else "the handler"
            call = analysis.point(func_id, event, f"{names[0]} installs its own SIGTERM handler here")
            yield self.finding(call, f"{names[0]} installs a SIGTERM handler of its own from C, replacing `{handler}` "
                                     f"registered before it, which never runs: register it after this "
                                     f"{'import' if isinstance(event, ir.Import) else 'call'}",
                               [analysis.registration_point(earlier[-1]), call])
            return

    def _finding(self, analysis, registration, message, trace=()):
        anchor = analysis.registration_point(registration)
        return self.finding(anchor, message, [*trace, anchor])


def _replacers(analysis, func_id: str, event) -> list[str]:
    """The library calls (`jax.distributed.initialize()`) or imports (`import paddle`) of the event
    that install a SIGTERM handler of their own, as the message names them."""
    replacers = analysis.knowledge.handler_replacers
    if isinstance(event, ir.CallSite):
        return [f"{n}()" for n in analysis.graph.qualnames(func_id, event)
                if any(not e.option("imported") for e in replacers.find(n))]
    if isinstance(event, ir.Import):
        return [f"`import {m}`" for m in event.modules if any(e.option("imported") for e in replacers.find(m))]
    return []


def _unconditional(analysis, registration) -> bool:
    fn = analysis.functions[registration.func_id]
    index = registration.site.index
    return not any(isinstance(e, (ir.Branch, ir.Try)) and e.index < index < e.end and getattr(e, "guard", None) is None
                   for e in fn.events[:index])
