from __future__ import annotations

import posixpath

from sigcheck.checking.rule import Example, Rule

# Commands whose path operands create or fill files. `mkdir` is not one: an empty folder hides
# nothing (the AWS framework images create the mount points so that they run outside SageMaker too).
_WRITERS = frozenset({"cp", "mv", "touch", "wget", "curl", "tar", "unzip", "ln", "rsync", "install", "tee",
                      "aws", "gsutil", "dd", "git", "huggingface-cli", "gunzip", "7z"})


def under_opt_ml(path: str) -> bool:
    """/opt/ml and below, except /opt/ml/code, where the training toolkit expects code."""
    path = posixpath.normpath(path)
    if path == "/opt/ml/code" or path.startswith("/opt/ml/code/"):
        return False
    return path == "/opt/ml" or path.startswith("/opt/ml/")


class ImageDataUnderOptMl(Rule):
    """The image puts files under /opt/ml, which SageMaker mounts over at run time.

    ## What it does
    Finds `COPY`/`ADD` destinations and `RUN` commands (`cp`, `wget`, `curl -o`, `tar -C`, a
    redirection...) that place files under `/opt/ml` in the stage that runs. Code under
    `/opt/ml/code` is allowed: the training toolkit runs `SAGEMAKER_PROGRAM` from there. Folders
    alone (`mkdir`, `WORKDIR`, `VOLUME`) hold nothing to hide and are not reported.

    ## Why is this bad?
    SageMaker reserves `/opt/ml` and everything under it: it mounts its own `/opt/ml/input`,
    `/opt/ml/model`, `/opt/ml/output` and `/opt/ml/checkpoints` into the container when the job
    starts, and AWS's documentation for bring-your-own images warns that data placed anywhere
    under `/opt/ml` may no longer be visible. Whatever the image kept there can be hidden:
    pretrained weights, a default config or a dataset baked into the image silently disappear,
    and the job fails or trains on nothing.

    ## Example
    ```dockerfile
    COPY weights/ /opt/ml/model/
    ```

    ## Use instead
    ```dockerfile
    COPY weights/ /opt/program/weights/
    ```
    and read them from there (or pass them as an input channel).
    """

    code = "OPT003"
    name = "image-data-under-opt-ml"
    severity = "error"

    valid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/ml/code/train.py
COPY weights/ /opt/program/weights/
ENTRYPOINT ["python", "/opt/ml/code/train.py"]
""", "code under /opt/ml/code, data elsewhere", {"train.py": "print('x')\n", "weights/w.bin": "0\n"}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim AS data
RUN mkdir -p /opt/ml/input/data && echo 1 > /opt/ml/input/data/x
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "a build stage that does not run", {"train.py": "print('x')\n"}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install --no-cache-dir sagemaker-training
RUN mkdir -p /opt/ml/input/data /opt/ml/model /opt/ml/output /opt/ml/code
WORKDIR /opt/ml/code
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "empty mount points, as the AWS framework images create them: no file is hidden",
            {"train.py": "print('x')\n"}, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: OPT003
COPY weights/ /opt/ml/model/
# expect: OPT003
RUN mkdir -p /opt/ml/input/config && echo '{}' > /opt/ml/input/config/hyperparameters.json
# expect: OPT003
RUN wget -q -O /opt/ml/input/data/train/sample.csv https://example.com/sample.csv
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "weights, a config and a data file that SageMaker's mounts hide",
            {"train.py": "print('x')\n", "weights/w.bin": "0\n"}, name="Dockerfile"),
    )

    def check(self, analysis):
        if analysis.platform != "sagemaker":
            return
        for container in analysis.containers:
            image = container.image
            reported = set()
            for stage in image.final.lineage():
                for placed in stage.placed:  # a file a RUN writes is reported with that RUN's command, below
                    if under_opt_ml(placed.image_path) and placed.instruction.keyword != "RUN" \
                            and placed.instruction.line not in reported:
                        reported.add(placed.instruction.line)
                        yield self._report(container, container.at(placed.instruction), placed.image_path)
            for run in container.runs():
                words = [w for w in run.command.words if w]
                if not words or words[0] not in _WRITERS:
                    continue
                hidden = [w for w in words[1:] if w.startswith("/opt/ml") and under_opt_ml(w)]
                hidden += [w.split("=", 1)[1] for w in words[1:] if "=/opt/ml" in w and under_opt_ml(w.split("=", 1)[1])]
                if hidden and run.instruction.line not in reported:
                    reported.add(run.instruction.line)
                    yield self._report(container, container.at_run(run, hidden[0], "writes here"), hidden[0])
            for run in container.runs():  # `echo x > /opt/ml/...`: a redirection target
                target = next((t for t in run.command.writes_to if under_opt_ml(t)), None)
                if target is not None and run.instruction.line not in reported:
                    reported.add(run.instruction.line)
                    yield self._report(container, container.at_run(run, target, "writes here"), target)

    def _report(self, container, anchor, path):
        return self.finding(
            anchor,
            f"The image puts {path} under /opt/ml, which SageMaker mounts over when the job starts: "
            f"the image's files there are hidden at run time",
            [anchor],
        )
