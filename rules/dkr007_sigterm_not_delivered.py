from __future__ import annotations

from sigcheck.checking.rule import Example, Rule

_HANDLES = """
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "/opt/ml/model/model.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    optimizer.step()
"""


class SigtermNotDelivered(Rule):
    """The trainer handles SIGTERM, but the launch chain never delivers it (or kills it sooner).

    ## What it does
    Follows the launch chain to a Python entry point that handles SIGTERM and reports the layer in
    between that defeats the handler: the SageMaker training toolkit (its `train` console script
    from `pip install sagemaker-training`, `SAGEMAKER_PROGRAM`, AWS framework images built on it),
    which runs the script as a child through `subprocess` and `/bin/sh` and does not forward
    SIGTERM (aws/sagemaker-training-toolkit issues #125 and #173, still open); or torchrun /
    `accelerate launch`, which forward it but SIGKILL the workers 30 s later, sooner than the
    platform's deadline. The trace shows the whole chain.

    ## Why is this bad?
    The handler was written for a stop, and the stop never reaches it: the job is SIGKILLed at
    the deadline with nothing saved. Under a launcher the save gets 30 s, not the platform's 120 s.

    ## Example
    ```dockerfile
    FROM python:3.11-slim
    RUN pip install sagemaker-training
    COPY train.py /opt/ml/code/train.py
    ENV SAGEMAKER_PROGRAM=train.py
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.11-slim
    COPY train.py /opt/program/train.py
    ENTRYPOINT ["python", "/opt/program/train.py"]
    ```
    (read hyperparameters from /opt/ml/input/config/hyperparameters.json and ignore the `train`
    argument). Under torchrun, make the save fit in 30 s or checkpoint more often.
    """

    code = "DKR007"
    name = "sigterm-not-delivered"
    severity = "error"

    valid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "python is PID 1 and receives SIGTERM itself", {"train.py": _HANDLES}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install sagemaker-training
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "the toolkit swallows SIGTERM, but this script never handled it (SIG001 reports that)", {"train.py": """
for batch in loader:
    optimizer.step()
"""}, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
# expect: DKR007
RUN pip install --no-cache-dir sagemaker-training==4.8.0
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "the toolkit runs train.py as a child and never forwards SIGTERM", {"train.py": _HANDLES}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR007
ENTRYPOINT ["torchrun", "--nproc_per_node=8", "/opt/program/train.py"]
""", "torchrun SIGKILLs the workers 30 s after forwarding, before SageMaker's 120 s", {"train.py": _HANDLES},
            name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            if container.entry is None or not container.handles_sigterm():
                continue
            python = container.chain.python.display
            for step in container.launcher_steps():
                if step.kind == "toolkit":
                    yield self.finding(
                        step.point,
                        f"The SageMaker training toolkit runs {python} as a child through /bin/sh and never "
                        f"forwards SIGTERM (sagemaker-training-toolkit #125, #173): its handler never runs and the "
                        f"job is SIGKILLed {analysis.deadline} s after a stop; make the script the ENTRYPOINT "
                        f"(exec form)",
                        container.trace(),
                    )
                elif step.deadline is not None and step.deadline < analysis.deadline:
                    yield self.finding(
                        step.point,
                        f"{step.label.split()[0]} forwards SIGTERM to {python} but SIGKILLs it {step.deadline} s later, "
                        f"not after the {analysis.deadline} s {analysis.platform} allows: the save must finish "
                        f"within {step.deadline} s",
                        container.trace(),
                    )
