from __future__ import annotations

from sigcheck.checking.rule import Example, Rule

_TERM_ONLY = """
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "/opt/ml/model/model.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    optimizer.step()
"""


class StopsignalUnhandled(Rule):
    """The image's STOPSIGNAL is a signal the trainer does not handle.

    ## What it does
    Reads `STOPSIGNAL` of the stage that runs and, when the signal reaches the Python entry
    point, checks that the entry point registers a handler for it. SIGINT counts as handled when
    the `KeyboardInterrupt` it raises by default unwinds to a `finally` (or `except`) that saves.

    ## Why is this bad?
    `docker stop` (and SageMaker's StopTrainingJob) send the image's STOPSIGNAL, not SIGTERM. A
    trainer that handles only SIGTERM never runs its handler: SIGINT raises KeyboardInterrupt
    wherever the code happens to be, and other signals are ignored by PID 1 or kill the process
    outright. The checkpoint the SIGTERM handler would have written is never written.

    ## Example
    ```dockerfile
    STOPSIGNAL SIGINT
    ENTRYPOINT ["python", "train.py"]   # train.py handles SIGTERM only
    ```

    ## Use instead
    Remove `STOPSIGNAL`, or register the handler for both:
    `for sig in (signal.SIGTERM, signal.SIGINT): signal.signal(sig, on_stop)`.
    """

    code = "DKR006"
    name = "stopsignal-unhandled"
    severity = "error"

    valid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
STOPSIGNAL SIGINT
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "a handler for both signals", {"train.py": _TERM_ONLY.replace(
            "signal.signal(signal.SIGTERM, on_sigterm)",
            "for sig in (signal.SIGTERM, signal.SIGINT):\n    signal.signal(sig, on_sigterm)")}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
STOPSIGNAL SIGINT
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "SIGINT's KeyboardInterrupt unwinds to a finally that saves", {"train.py": """
import torch

try:
    for batch in loader:
        optimizer.step()
finally:
    torch.save(model.state_dict(), "/opt/ml/model/model.pt")
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "SIGTERM is what the trainer handles", {"train.py": _TERM_ONLY}, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR006
STOPSIGNAL SIGINT
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "docker stop sends SIGINT; the handler is for SIGTERM only", {"train.py": _TERM_ONLY}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR006
STOPSIGNAL 3
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "SIGQUIT by number: nothing handles it", {"train.py": _TERM_ONLY}, name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            found = container.stop_signal()
            if found is None or container.entry is None or not container.trainer_receives():
                continue
            instruction, name, number = found
            if number is None or number == 15:
                continue
            entry = container.entry
            if not entry.registrations and entry.first_work is None:
                continue  # no training and no handler: nothing to lose
            handled = container.handled_signals()
            if handled is None or number in handled:
                continue
            if number == 2 and container.keyboard_interrupt_saves():
                continue
            names = ", ".join(analysis.knowledge.signal_names.get(n, str(n)) for n in sorted(handled)) or "no signal"
            effect = ("raises KeyboardInterrupt, which reaches no save" if number == 2
                      else "never runs a handler")
            yield self.finding(
                container.at(instruction),
                f"STOPSIGNAL {name}: a stop sends {name}, but {container.chain.python.display} handles {names}, "
                f"so the stop {effect}",
                container.trace(),
            )
