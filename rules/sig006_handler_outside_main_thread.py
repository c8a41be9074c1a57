from __future__ import annotations

from sigcheck.checking.rule import Example, Rule


class HandlerOutsideMainThread(Rule):
    """A signal handler registered from a thread other than the main thread.

    ## What it does
    Reports `signal.signal` calls reached only from a `threading.Thread` or `Timer` target or an
    executor task, never from the entry point's main thread. The trace shows where the thread
    starts.

    ## Why is this bad?
    Python only allows the main thread of the main interpreter to set signal handlers:
    elsewhere `signal.signal` raises `ValueError`, so the handler is never installed (and the
    thread usually dies with the traceback in a log nobody reads). Handlers also always *run* in
    the main thread, so registering from a helper thread gains nothing.

    ## Example
    ```python
    def monitor():
        signal.signal(signal.SIGTERM, on_sigterm)
        ...

    threading.Thread(target=monitor, daemon=True).start()
    ```

    ## Use instead
    Register in the main thread, before starting the helper thread.
    """

    code = "SIG006"
    name = "handler-outside-main-thread"
    severity = "error"

    valid = (
        Example("""
import signal, threading

def monitor():
    while True:
        report_metrics()

signal.signal(signal.SIGTERM, on_sigterm)
threading.Thread(target=monitor, daemon=True).start()
""", "registered in the main thread; the thread only monitors"),
        Example("""
import multiprocessing, signal

def worker(rank):
    signal.signal(signal.SIGTERM, on_sigterm)
    train(rank)

multiprocessing.Process(target=worker, args=(0,)).start()
""", "a child process's target runs in that process's main thread"),
    )
    invalid = (
        Example("""
import signal, threading

def monitor():
    # expect: SIG006
    signal.signal(signal.SIGTERM, on_sigterm)
    watch()

threading.Thread(target=monitor, daemon=True).start()
""", "signal.signal raises ValueError outside the main thread"),
    )

    def check(self, analysis):
        for registration in analysis.registrations:
            for entry in analysis.entries:
                if entry.runs(registration.func_id, registration.site) or registration.func_id not in entry.everywhere:
                    continue
                steps = entry.everywhere.path_to(registration.func_id)
                if not any(s.kind in ("thread", "executor") for s in steps):
                    continue
                anchor = analysis.point(registration.func_id, registration.site, "signal.signal outside the main thread")
                yield self.finding(
                    anchor,
                    "signal.signal is reached only from a thread other than the main thread, where it raises "
                    "ValueError: the handler is never installed",
                    analysis.path_points(steps) + [anchor],
                )
                break
