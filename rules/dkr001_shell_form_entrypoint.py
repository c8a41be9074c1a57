from __future__ import annotations

import shlex

from sigcheck.checking.rule import Example, Rule
from sigcheck.container.facts import exec_form_fix, json_array_fix
from sigcheck.container.starters import STOPS

_TRAIN = {"train.py": """
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
"""}


class ShellFormEntrypoint(Rule):
    """The ENTRYPOINT is in shell form, so `/bin/sh -c` is PID 1 and the trainer never sees SIGTERM.

    ## What it does
    Finds an `ENTRYPOINT` written as a plain command (`ENTRYPOINT python train.py`) rather than a
    JSON array, in the stage that runs (the last one, or `--target`). Off SageMaker, where the
    image's own `CMD` runs, a shell-form `CMD` with no ENTRYPOINT is reported too. A command that
    starts with `exec` is not reported: the shell replaces itself with it. Nor does an instruction
    written as a JSON array escape when the array does not parse (a missing comma): Docker runs it
    in the shell form, whose first word (`[python,`) is no program, so the container cannot start;
    the fix writes the array that was meant.

    ## Why is this bad?
    Docker runs the shell form as `/bin/sh -c "python train.py"`. The shell is PID 1, and
    `docker stop` signals PID 1 only: the shell neither handles SIGTERM (PID 1 ignores signals
    it has no handler for) nor passes it on, so the trainer's handler never runs and the job is
    SIGKILLed at the deadline. The shell form also drops the arguments `docker run` passes, such
    as SageMaker's `train`.

    ## Example
    ```dockerfile
    ENTRYPOINT python -u train.py
    ```

    ## Use instead
    ```dockerfile
    ENTRYPOINT ["python", "-u", "train.py"]
    ```

    ## Fix safety
    The fix writes the exec form with the same words. It is safe when the command has no shell
    syntax; with `$VARIABLES` it is unsafe (the exec form passes them literally); a command with
    `&&`, pipes or redirections gets no fix: move it into a script that ends in `exec`.

    A Python program found in the image that neither trains nor handles SIGTERM (a server, a
    tool) has nothing to lose, and is not reported; one sigcheck cannot find is. Nor is a shell
    given no script (`CMD /bin/bash -l`), or a notebook server (`jupyter notebook`): it waits for a
    person and runs no program of the image; what they start from its prompt is theirs to stop. Nor
    is an image whose chain starts a model or web server (`gunicorn main:app`, tritonserver): it
    serves requests and trains nothing.

    Where the stage's `SHELL` instruction names bash (`SHELL ["/bin/bash", "-c"]`), the shell is
    known: bash runs a lone simple command (the last of a list) in its own place, so the trainer
    is PID 1 and the form is not reported.

    ## Known limits
    bash runs a lone simple command in its own place, dash (Debian's `/bin/sh`) does not; the
    image's `/bin/sh` is not known, so without a SHELL naming bash sigcheck does not rely on it,
    and neither should the image.
    """

    code = "DKR001"
    name = "shell-form-entrypoint"
    severity = "error"

    valid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "-u", "/opt/program/train.py"]
""", "exec form: python is PID 1 and receives SIGTERM", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT exec python -u /opt/program/train.py
""", "`exec` makes the shell replace itself with the trainer", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
CMD --epochs 10
""", "a shell-form CMD is only arguments to an exec-form ENTRYPOINT (and SageMaker replaces it)", _TRAIN,
            name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY app.py /app/app.py
ENTRYPOINT python /app/app.py
""", "a program that neither trains nor handles SIGTERM loses nothing to the shell", {"app.py": "print('hello')\n"},
            name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENTRYPOINT python -u /opt/program/train.py
""", "a SHELL naming bash: bash runs the lone command in its place, so python is PID 1", _TRAIN, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR001
ENTRYPOINT python -u /opt/program/train.py
""", "/bin/sh -c is PID 1 and keeps the signal", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim AS build
RUN pip wheel -w /wheels torch
FROM python:3.11-slim
COPY train.py /app/train.py
WORKDIR /app
# expect: DKR001
ENTRYPOINT cd /app && python train.py
""", "the last stage runs; a compound command gets no automatic fix", _TRAIN, name="Dockerfile"),
        Example("""
FROM continuumio/miniconda3
COPY train.py /app/train.py
SHELL ["conda", "run", "--no-capture-output", "-n", "base", "/bin/bash", "-c"]
# expect: DKR001
ENTRYPOINT python /app/train.py
""", "`conda run` stays PID 1 above the bash it starts (autotrain-advanced's images)", _TRAIN, name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            image = container.image
            instruction = image.entrypoint
            if instruction is None and not container.on_sagemaker:
                instruction = image.cmd  # with no ENTRYPOINT, a shell-form CMD is what runs
            if instruction is None or instruction.exec_form:
                continue
            text = instruction.args[0] if instruction.args else ""
            if text.lstrip().startswith("exec "):
                continue
            if container.chain.python is not None and not container.runs_trainer():
                continue  # a program that neither trains nor handles SIGTERM (a server, a tool) loses nothing
            if container.chain.interactive or container.serving is not None:
                continue  # a shell or notebook for a person (`CMD /bin/bash -l`), a server (gunicorn): no trainer of its own
            if _shell_passes_it_on(container):
                continue  # `SHELL ["/bin/bash", "-c"]`: bash runs the lone command in its place
            shell = " ".join(image.shell)
            if text.lstrip().startswith("["):  # a JSON array that does not parse (a missing comma): nothing starts
                yield self.finding(container.at(instruction), f"{instruction.keyword} is written as the exec form but is not "
                                   f"a valid JSON array (a missing comma or quote?): Docker runs it with `{shell}`, which "
                                   f"finds no program `{_first_word(text)}`, and the container cannot start",
                                   container.trace(), json_array_fix(container.display, instruction))
                continue
            deadline = analysis.deadline_for([container.entry] if container.entry else [])
            yield self.finding(
                container.at(instruction),
                f"Shell-form {instruction.keyword} makes `{shell}` PID 1: it keeps SIGTERM from the trainer, "
                f"which is SIGKILLed {deadline} after a stop {deadline.context} with nothing saved",
                container.trace(),
                exec_form_fix(container.display, instruction),
            )


def _first_word(text: str) -> str:
    """The program a shell would look for: its first word, quotes removed (`[python,`)."""
    try:
        return (shlex.split(text) or [""])[0]
    except ValueError:
        return text.split()[0]


def _shell_passes_it_on(container) -> bool:
    """Whether the shell the shell form runs does not keep the signal (bash, named by SHELL,
    replaced by the lone command it runs)."""
    step = next((step for step in container.chain.steps if step.kind == "shell-form"), None)
    return step is not None and step.passes != STOPS
