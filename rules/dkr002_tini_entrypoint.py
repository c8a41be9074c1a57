from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.container.argv import program_name

_TRAIN = {"train.py": """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("mode", nargs="?")
args = parser.parse_args()
"""}


class TiniEntrypoint(Rule):
    """tini is the ENTRYPOINT, and SageMaker's `train`/`serve` argument goes to it.

    ## What it does
    Finds an exec-form `ENTRYPOINT` that starts with tini (any path, `tini-static`, `tini -g --`)
    in an image run by SageMaker (the default platform): one whose Dockerfile names SageMaker
    (`/opt/ml`, `/opt/program`, a `SAGEMAKER_*` or `SM_*` variable, a sagemaker package) or whose
    script trains. Other images (development, CI, services) are not judged.

    ## Why is this bad?
    SageMaker starts a training container as `docker run IMAGE train` (and an inference one with
    `serve`). With `ENTRYPOINT ["tini", "--"]` the argument replaces the CMD that named your
    program, so tini runs a program called `train` instead; with `ENTRYPOINT ["tini", "--",
    "python", "train.py"]` the trainer gets a stray `train` argument. tini forwards signals well,
    but SageMaker already runs the container with an init and the right arguments only when the
    ENTRYPOINT is the trainer (or a script that expects `train`).

    ## Example
    ```dockerfile
    ENTRYPOINT ["/usr/bin/tini", "--"]
    CMD ["python", "train.py"]
    ```

    ## Use instead
    ```dockerfile
    ENTRYPOINT ["python", "train.py"]
    ```
    or an executable `train` script on PATH that `exec`s the trainer.
    """

    code = "DKR002"
    name = "tini-entrypoint"
    severity = "warning"

    valid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["dumb-init", "--", "python", "/opt/program/train.py"]
""", "dumb-init is not tini (its own facts apply: it forwards to the process group)", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN apt-get update && apt-get install -y tini
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "tini installed but not the entrypoint", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini
COPY app.py /srv/app.py
ENTRYPOINT ["/usr/bin/tini", "--", "python", "/srv/app.py"]
""", "a web service: nothing names SageMaker and nothing trains", {"app.py": """
from http.server import HTTPServer, SimpleHTTPRequestHandler

HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()
"""}, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR002
ENTRYPOINT ["/usr/bin/tini", "-g", "--", "python", "/opt/program/train.py"]
""", "SageMaker's `train` ends up in the trainer's argv", _TRAIN, name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            instruction = container.image.entrypoint
            if not (container.on_sagemaker and container.shows_sagemaker):
                continue
            if instruction is None or not instruction.exec_form or not instruction.args:
                continue
            if not program_name(instruction.args[0]).startswith("tini"):
                continue
            init = next((s for s in container.chain.steps if s.kind == "init"), None)
            runs = f": `docker run IMAGE train` makes it run `{init.label}`" if init else ""
            yield self.finding(
                container.at(instruction),
                f"tini is the ENTRYPOINT, so SageMaker's `train`/`serve` argument goes to it{runs}",
                container.trace(),
            )
