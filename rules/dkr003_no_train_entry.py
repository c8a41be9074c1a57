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
    (`exec "$@"`, `tini --`) and so runs `train`, which is not there, or one that runs a `train`
    on PATH that is not executable (fairseq's SageMaker example: `exec train` of a file copied
    without its executable bit; a `train` run as `python /opt/program/train` needs none). The SageMaker training
    toolkit (`pip install sagemaker-training`, AWS framework images) provides its own `train`.

    Only images built for SageMaker training are judged: the Dockerfile names SageMaker
    (`/opt/ml`, `/opt/program`, a `SAGEMAKER_*` or `SM_*` variable, a sagemaker package), or the
    script its CMD runs trains. An image for an endpoint (an executable `serve` and no `train`, a
    model server installed or started by its launch chain (`exec text-embeddings-router`, `python -m
    vllm.entrypoints.openai.api_server`), an inference base image, a path naming it `inference`,
    `CMD ["serve"]`, SageMaker hosting's `accept-bind-to-port` label) is started
    with `serve` and is not judged, nor are development or CI images, nor an image that shows
    another platform and nothing of SageMaker's (a Vertex AI or Azure ML base image, a trainer
    reading `AIP_MODEL_DIR` or `AZUREML_*`): those platforms pass the job's own arguments. Nothing is reported when
    `train` may come from what sigcheck cannot see: a base image other than the well-known public
    ones, `SAGEMAKER_TRAINING_MODULE` (the toolkit's framework entry), or packages installed from
    a project, wheel or requirements file it cannot read or that names a SageMaker toolkit.

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
        Example("""
FROM continuumio/miniconda3:latest
RUN pip install flask pandas scikit-learn
COPY train /usr/local/bin
COPY serve /usr/local/bin
""", "a file copied onto a folder every image has lands inside it: /usr/local/bin/train",
            {"train": "#!/usr/bin/env python3\nprint('training')\n", "serve": "#!/usr/bin/env python3\n"},
            name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install flask gunicorn
COPY --chmod=755 serve /opt/program/serve
COPY model.joblib /opt/ml/model/model.joblib
ENV PATH="/opt/program:${PATH}"
""", "an inference image: SageMaker starts it with `serve`", {"serve": "#!/usr/bin/env python3\n"}, name="Dockerfile"),
        Example("""
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "the base image is a build argument: its `train` is not known", _TRAIN, name="Dockerfile"),
        Example("""
FROM 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-platform/base:2.1
COPY train.py /opt/program/train.py
CMD ["python", "/opt/program/train.py"]
""", "a private base image may well put `train` on PATH", _TRAIN, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
COPY train.py /opt/ml/code/train.py
""", "a requirements file installs the older toolkit, which has a `train`",
            {**_TRAIN, "requirements.txt": "numpy\nsagemaker-containers==2.8.6\n"}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install --no-cache-dir accelerate torch
WORKDIR /workspace
CMD ["bash"]
""", "a development image: nothing shows it is for SageMaker training", name="Dockerfile"),
        Example("""
FROM python:3.11-slim
ENV PATH="/opt/program:${PATH}"
COPY train /opt/program/train
COPY start.sh /usr/local/bin/start.sh
ENTRYPOINT ["bash", "/usr/local/bin/start.sh"]
""", "the wrapper runs the script with the interpreter named: no executable bit is needed", {
            "train": "#!/usr/bin/env python3\nprint('x')\n",
            "start.sh": "#!/bin/bash\nexec python3 /opt/program/train\n"}, name="Dockerfile"),
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
        Example("""
# expect: DKR003
FROM python:3.11-slim
ENV PATH="/opt/program:${PATH}"
COPY train /opt/program/train
COPY start.sh /usr/local/bin/start.sh
RUN chmod +x /usr/local/bin/start.sh
ENTRYPOINT ["bash", "/usr/local/bin/start.sh"]
""", "the wrapper runs `train` from PATH, which is not executable (fairseq's SageMaker example)", {
            "train": "#!/usr/bin/env python3\nprint('x')\n",
            "start.sh": "#!/bin/bash\nif [ \"$1\" == \"train\" ]; then\n    exec train\nelse\n    exec serve\nfi\n"}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY train.py /opt/program/train.py
# expect: DKR003
CMD ["python", "/opt/program/train.py"]
""", "the requirements it installs are read, and none puts `train` on PATH",
            {**_TRAIN, "requirements.txt": "torch==2.3.0\nsagemaker>=2.200\n"}, name="Dockerfile"),
        Example("""
FROM pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime
COPY train.py /app/train.py
# expect: DKR003
CMD ["python", "/app/train.py"]
""", "nothing names SageMaker, but the script CMD runs trains", {"train.py": """
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(1000):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
torch.save(model.state_dict(), "model.pt")
"""}, name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            if not container.for_sagemaker_training or not container.chain.missing_train:
                continue
            image = container.image
            anchor = image.cmd if image.cmd is not None and image.entrypoint is None else image.final.start
            yield self.finding(
                container.at(anchor),
                f"`docker run IMAGE train` cannot start the job: {container.chain.problem}",
                container.trace(),
            )
