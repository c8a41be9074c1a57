from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.model.trace import Point


class BadHandlerSignature(Rule):
    """A signal handler that cannot be called with `(signum, frame)`.

    ## What it does
    Checks the parameters of every function registered with `signal.signal`: it is called with
    two positional arguments, the signal number and the current frame. A bound method's `self`
    and arguments bound with `functools.partial` are accounted for. For
    `loop.add_signal_handler(sig, callback, *args)` the callback gets exactly `args`.

    ## Why is this bad?
    The mismatch shows only when the signal arrives: the handler raises `TypeError` in the main
    thread instead of saving, and the job dies with nothing saved.

    ## Example
    ```python
    def on_sigterm():
        save_checkpoint()
    signal.signal(signal.SIGTERM, on_sigterm)
    ```

    ## Use instead
    ```python
    def on_sigterm(signum, frame):
        save_checkpoint()
    ```
    """

    code = "SIG009"
    name = "bad-handler-signature"
    severity = "error"

    valid = (
        Example("""
import functools, signal

def on_stop(trainer, signum, frame):
    trainer.save()

class Job:
    def on_term(self, *args):
        self.save()

signal.signal(signal.SIGTERM, functools.partial(on_stop, trainer))
signal.signal(signal.SIGINT, Job().on_term)
signal.signal(signal.SIGUSR1, lambda *_: None)
""", "partial binds the first argument; *args accepts anything"),
        Example("""
import asyncio, signal

def shutdown(reason):
    stop_event.set()

loop = asyncio.get_event_loop()
loop.add_signal_handler(signal.SIGTERM, shutdown, "sigterm")
""", "add_signal_handler passes only its extra arguments"),
    )
    invalid = (
        Example("""
import signal

# expect: SIG009
def on_sigterm():
    save_checkpoint()

signal.signal(signal.SIGTERM, on_sigterm)
""", "called with two arguments, accepts none"),
        Example("""
import signal

class Trainer:
    def __init__(self):
        signal.signal(signal.SIGTERM, self.on_sigterm)

    # expect: SIG009
    def on_sigterm(self, signum):
        self.save()
""", "a bound method that takes only the signal number"),
    )

    def check(self, analysis):
        for registration in analysis.registrations:
            expected = 2 if registration.api == "signal.signal" else registration.extra_args
            for target in registration.handlers:
                fn = analysis.functions[target.func_id]
                if any(d for d in fn.decorators if not _transparent(analysis, d)):
                    continue  # a decorator may change the signature
                problem = _mismatch(fn.params, target.bound, target.bound_keywords, expected)
                if problem:
                    anchor = Point(fn.id, fn.node, f"handler {analysis.describe(fn.id)}")
                    yield self.finding(
                        anchor,
                        f"Signal handler {analysis.describe(fn.id)} is called with {expected} positional "
                        f"argument{'s' if expected != 1 else ''} but {problem}: it raises TypeError when the signal arrives",
                        [analysis.point(registration.func_id, registration.site, "registered here"), anchor],
                    )


def _transparent(analysis, decorator) -> bool:
    names = {analysis.resolver.qualname(v) for v in analysis.resolver.resolve(decorator)}
    return bool(names & {"builtins.staticmethod", "builtins.classmethod", "functools.wraps"})


def _mismatch(params, bound: int, bound_keywords, expected: int) -> str | None:
    positional = [p for p in params if p.kind in ("posonly", "pos")][bound:]
    positional = [p for p in positional if p.name not in bound_keywords]
    has_varargs = any(p.kind == "varargs" for p in params)
    required = [p for p in positional if not p.has_default]
    if len(required) > expected:
        return f"requires {len(required)}"
    if len(positional) < expected and not has_varargs:
        return f"accepts only {len(positional)}"
    missing = [p.name for p in params if p.kind == "kwonly" and not p.has_default and p.name not in bound_keywords]
    if missing:
        return f"requires keyword argument {missing[0]!r}"
    return None
