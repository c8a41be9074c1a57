from __future__ import annotations

from sigcheck.checking.rule import Example, Rule


class UncatchableSignal(Rule):
    """A handler registered for SIGKILL or SIGSTOP, which cannot be caught.

    ## What it does
    Reports `signal.signal` (and `loop.add_signal_handler`) calls whose signal is SIGKILL or
    SIGSTOP, including loops over several signals that contain one of them.

    ## Why is this bad?
    The kernel never lets a process catch SIGKILL or SIGSTOP: the call raises `OSError` (or
    `RuntimeError` in asyncio), usually before the real SIGTERM handler in the same loop is
    registered. The deadline's SIGKILL cannot be intercepted; save on SIGTERM instead.

    ## Example
    ```python
    for sig in (signal.SIGTERM, signal.SIGKILL):
        signal.signal(sig, on_stop)
    ```

    ## Use instead
    ```python
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_stop)
    ```
    """

    code = "SIG008"
    name = "uncatchable-signal"
    severity = "error"

    valid = (
        Example("""
import signal

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
    signal.signal(sig, on_stop)
""", "every one of these can be caught"),
        Example("""
import os, signal

os.kill(child_pid, signal.SIGKILL)
""", "sending SIGKILL is fine; only catching it is impossible"),
    )
    invalid = (
        Example("""
import signal

for sig in (signal.SIGTERM, signal.SIGKILL):
    # expect: SIG008
    signal.signal(sig, on_stop)
""", "SIGKILL in a loop of registrations"),
        Example("""
from signal import signal, SIGSTOP

# expect: SIG008
signal(SIGSTOP, on_stop)
""", "SIGSTOP cannot be caught either"),
        Example("""
import signal

# expect: SIG008
signal.signal(9, on_stop)
""", "9 is SIGKILL"),
    )

    def check(self, analysis):
        for registration in analysis.registrations:
            names = registration.uncatchable
            if names:
                anchor = analysis.point(registration.func_id, registration.site, "registration")
                yield self.finding(
                    anchor,
                    f"{' and '.join(names)} cannot be caught: this call raises OSError at run time",
                    [anchor],
                )
