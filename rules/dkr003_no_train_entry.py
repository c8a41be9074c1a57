from __future__ import annotations

from sigcheck.checking.rule import Example, Rule

_TRAIN = {"train.py": "print('training')\n"}


class NoTrainEntry(Rule):
    """`docker run IMAGE train` cannot start: nothing named `train` is there to run.

    ## What it does
    On SageMaker (the default platform), models `docker run IMAGE train`: the argument `train`
    replaces CMD; with no ENTRYPOINT Docker looks for an executable `train` on the image's PATH.
    Reports the final stage's `CMD` (or its `FROM`) when no ENTRYPOINT exists and no executable
    `train` is placed on PATH, or when the ENTRYPOINT is a wrapper that runs its arguments
    (`exec "$@"`, `tini --`) and so runs `train`, which is not there. The SageMaker training
    toolkit (`pip install sagemaker-training`, AWS framework images) provides its own `train`.

    ## Why is this bad?
    The training job fails at once with `exec: "train": executable file not found in $PATH` (or
    `permission denied` for a `train` without the executable bit).

    ## Example
    ```dockerfile
    FROM python:3.11-slim
    COPY train.py /opt/program/train.py
    CMD ["python", "/opt/program/train.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.11-slim
    COPY --chmod=755 train.py /opt/program/train
    ENV PATH="/opt/program:${PATH}"
    ```
    with `#!/usr/bin/env python3` as the script's first line, or `ENTRYPOINT ["python", "/opt/program/train.py"]`.
    """

    code = "DKR003"
    name = "no-train-entry"
    severity = "error"

    valid = (
        Example("""
FROM python:3.11-slim
COPY --chmod=755 train /opt/program/train
ENV PATH="/opt/program:${PATH}"
""", "an executable `train` on PATH: the bring-your-own-container layout",
            {"train": "#!/usr/bin/env python3\nprint('training')\n"}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install --no-cache-dir sagemaker-training
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "the training toolkit installs `train`, which runs SAGEMAKER_PROGRAM", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "an ENTRYPOINT runs whatever the argument", _TRAIN, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR003
CMD ["python", "/opt/program/train.py"]
""", "`train` replaces the CMD and is not on PATH", _TRAIN, name="Dockerfile"),
        Example("""
# expect: DKR003
FROM python:3.11-slim
COPY entrypoint.sh /entrypoint.sh
COPY train.py /opt/program/train.py
RUN chmod +x /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
""", "the wrapper runs its arguments, and `train` is not on PATH", {
            **_TRAIN, "entrypoint.sh": "#!/bin/sh\nset -e\nexec \"$@\"\n"}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train /opt/program/train
ENV PATH="/opt/program:${PATH}"
# expect: DKR003
CMD ["train"]
""", "`train` is on PATH but not executable", {"train": "#!/usr/bin/env python3\nprint('x')\n"}, name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            if not container.on_sagemaker or not container.chain.missing_train:
                continue
            image = container.image
            anchor = image.cmd if image.cmd is not None and image.entrypoint is None else image.final.start
            yield self.finding(
                container.at(anchor),
                f"`docker run IMAGE train` cannot start the job: {container.chain.problem}",
                container.trace(),
            )
