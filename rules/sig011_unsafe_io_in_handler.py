from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir


class UnsafeIoInHandler(Rule):
    """print, logging or buffered writes directly in a signal handler's body.

    ## What it does
    Reports `print`, `logging` calls, logger methods and `sys.stdout`/`sys.stderr` writes made
    directly in the body of a function registered as a signal handler. Off by default: enable it
    with `select = ["SIG"]` or `extend-select = ["SIG011"]`.

    ## Why is this bad?
    A handler runs between two bytecodes of whatever the main thread was doing. If that was
    writing to the same buffered stream, the nested write raises `RuntimeError: reentrant call`;
    if a logging handler held its lock, the handler deadlocks. Rare, but it strikes exactly when
    the job is being stopped.

    ## Example
    ```python
    def on_sigterm(signum, frame):
        logger.info("SIGTERM received")
        stop.set()
    ```

    ## Use instead
    ```python
    def on_sigterm(signum, frame):
        stop.set()  # log "stopping" from the training loop when it sees the flag
    ```
    """

    code = "SIG011"
    name = "unsafe-io-in-handler"
    severity = "info"
    default_enabled = False

    valid = (
        Example("""
import signal, threading, logging

stop = threading.Event()

def on_sigterm(signum, frame):
    stop.set()

signal.signal(signal.SIGTERM, on_sigterm)
while not stop.is_set():
    step()
logging.info("stopped cleanly")
""", "the loop logs after it sees the flag"),
    )
    invalid = (
        Example("""
import logging, signal, sys

logger = logging.getLogger(__name__)

def on_sigterm(signum, frame):
    # expect: SIG011
    print("got SIGTERM")
    # expect: SIG011
    logger.warning("stopping")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
""", "print and logging inside the handler"),
    )

    def check(self, analysis):
        for registration in analysis.registrations:
            for target in registration.handlers:
                for event in analysis.functions[target.func_id].events:
                    if not isinstance(event, ir.CallSite):
                        continue
                    names = [n for n in analysis.graph.qualnames(target.func_id, event) if analysis.knowledge.unsafe_io.find(n)]
                    if names:
                        anchor = analysis.point(target.func_id, event, "writes to a buffered stream")
                        yield self.finding(
                            anchor,
                            f"`{names[0].replace('?.', '.').replace('builtins.', '')}` in a signal handler can raise "
                            "RuntimeError (reentrant call) or deadlock if the main thread was writing",
                            [analysis.point(registration.func_id, registration.site, "registered here"), anchor],
                        )
