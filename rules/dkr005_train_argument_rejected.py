from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.model.trace import Point

_DOCKERFILE = """
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
"""


class TrainArgumentRejected(Rule):
    """SageMaker's `train` argument reaches a script whose argument parser rejects it.

    ## What it does
    On SageMaker (the default platform) the container runs as `docker run IMAGE train`; with an
    exec-form ENTRYPOINT (or a wrapper passing `"$@"`) the word `train` becomes an argument of
    the Python entry point. Reports the `parse_args()` call (or Hugging Face's
    `parse_args_into_dataclasses()`) on the entry point's main path when the parser has no
    positional argument that could take `train`. Only images built for SageMaker training are
    judged (see DKR003): the Dockerfile names SageMaker, or the script trains.

    ## Why is this bad?
    `parse_args()` exits with status 2 and `error: unrecognized arguments: train` before
    training starts: every job fails at once.

    ## Example
    ```python
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    ```

    ## Use instead
    ```python
    args, _ = parser.parse_known_args()
    ```
    or `parser.add_argument("mode", nargs="?", default="train")`.
    """

    code = "DKR005"
    name = "train-argument-rejected"
    severity = "error"

    valid = (
        Example("""
FROM gcr.io/deeplearning-platform-release/tf2-cpu.2-4
COPY . /trainer
WORKDIR /trainer
ENTRYPOINT ["python", "-m", "task"]
""", "an image for Vertex AI, whose trainer reads AIP_MODEL_DIR: Vertex passes the job's own arguments, never `train`",
            {"task.py": """
import argparse, os
import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--model-dir", default=os.getenv("AIP_MODEL_DIR"))
args = parser.parse_args()
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(dataset, epochs=10)
model.save(args.model_dir)
"""}, name="Dockerfile"),
        Example(_DOCKERFILE, "parse_known_args leaves `train` aside", {"train.py": """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
args, unknown = parser.parse_known_args()
"""}, name="Dockerfile"),
        Example(_DOCKERFILE, "a positional takes `train`", {"train.py": """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("mode", nargs="?", default="train")
args = parser.parse_args()
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY --chmod=755 train.py /usr/local/bin/train
""", "run as `train` from PATH, the script gets no extra argument", {"train.py": """
#!/usr/bin/env python3
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
args = parser.parse_args()
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY app.py /srv/app.py
ENTRYPOINT ["python", "/srv/app.py"]
""", "a web service, not a SageMaker training image: nothing names SageMaker and nothing trains", {"app.py": """
import argparse
from http.server import HTTPServer, SimpleHTTPRequestHandler

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=8000)
args = parser.parse_args()
HTTPServer(("", args.port), SimpleHTTPRequestHandler).serve_forever()
"""}, name="Dockerfile"),
    )
    invalid = (
        Example("""
import argparse

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    # expect: DKR005
    args = parser.parse_args()

if __name__ == "__main__":
    main()
""", "`python train.py train` exits with 'unrecognized arguments: train'", {"Dockerfile": _DOCKERFILE}, name="train.py"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            if not container.for_sagemaker_training or not container.passes_run_argument_to_trainer():
                continue
            found = container.strict_argv_parse()
            if found is None:
                continue
            func_id, site = found
            anchor = Point(func_id, site.node, "parses argv strictly")
            yield self.finding(
                anchor,
                f"`docker run IMAGE train` passes `train` to {container.chain.python.display}, and this parser "
                f"takes no positional argument: the job exits with 'unrecognized arguments: train'",
                [*container.trace(), anchor],
            )
