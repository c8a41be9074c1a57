"""What an image is built for, and where a `train` the Dockerfile does not place may come from."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.container.model import load_container
from sigcheck.container.purpose import image_name, installs, other_platform, sagemaker_sign, serving_reason
from sigcheck.knowledge import builtin_knowledge

TRAIN = "print('train')\n"


def chain_of(folder, files: dict[str, str]):
    """The container of a Dockerfile written with its build context into `folder`."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return load_container(folder / "Dockerfile", folder, builtin_knowledge(), "sagemaker")


@pytest.mark.parametrize("reference, name", [
    ("python:3.11-slim", "python"),
    ("docker.io/library/python:3.11@sha256:abc", "python"),
    ("public.ecr.aws/docker/library/python:3.10-slim", "python"),
    ("nvidia/cuda:12.4.1-devel-ubuntu22.04", "nvidia/cuda"),
    ("localhost:5000/team/base", "localhost:5000/team/base"),
    ("123.dkr.ecr.us-east-1.amazonaws.com/x/base:1", "123.dkr.ecr.us-east-1.amazonaws.com/x/base"),
    ("arm64v8/ubuntu:22.04", "ubuntu"),
    ("public.ecr.aws/lts/ubuntu:20.04", "ubuntu"),  # Canonical's Ubuntu on ECR Public (the toolkit's test images)
    ("public.ecr.aws/ubuntu/ubuntu:22.04", "ubuntu"),
    ("docker.io/amd64/python:3.10", "python"),
    ("arm64v8/team/base", "arm64v8/team/base"),  # no official image: kept whole
    ("", None),
    ("${BASE}", None),
    (":", None),  # `${REGISTRY}${IMAGE}:${TAG}` substituted with no defaults
])
def test_image_name(reference, name):
    assert image_name(reference) == name


def _problem(tmp_path, dockerfile: str, files: dict[str, str] | None = None):
    container = chain_of(tmp_path, {"Dockerfile": dockerfile, "train.py": TRAIN, **(files or {})})
    return container.chain.missing_train, container.chain.problem


@pytest.mark.parametrize("dockerfile, files, unseen", [
    ("FROM python:3.11\nCOPY train.py /opt/program/train.py\n", {}, None),
    ("FROM mycompany/ml-base:2\nCOPY train.py /opt/program/train.py\n", {}, "the base image mycompany/ml-base:2"),
    ("ARG BASE\nFROM $BASE\n", {}, "a build argument"),
    ("FROM python:3.11\nENV SAGEMAKER_TRAINING_MODULE=x.training:main\n", {}, "SAGEMAKER_TRAINING_MODULE"),
    ("FROM python:3.11\nCOPY . /src\nRUN cd /src && pip install .\n", {}, "the project installed from ."),
    ("FROM python:3.11\nCOPY . /src\nRUN cd /src && pip install .\n",
     {"pyproject.toml": "[project]\nname = 'x'\ndependencies = ['torch']\n"}, None),
    ("FROM python:3.11\nCOPY . /src\nRUN cd /src && pip install -e .\n",
     {"pyproject.toml": "[project.scripts]\ntrain = 'x.cli:main'\n"}, "the project installed from ."),
    ("FROM python:3.11\nRUN pip install -r /nowhere/requirements.txt\n", {}, "requirements.txt"),
    ("FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
     {"requirements.txt": "torch\nsagemaker==2.200\n"}, None),
    ("FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
     {"requirements.txt": "torch\n-r more.txt\n"}, "requirements.txt"),
    ("FROM python:3.11\nRUN python -m pip install --no-cache-dir ./dist/sagemaker_sklearn_container-2.0-py3-none-any.whl\n",
     {}, "sagemaker_sklearn_container"),
    ("FROM python:3.11\nCOPY environment.yml .\nRUN conda env create -f environment.yml\n",
     {"environment.yml": "dependencies:\n  - python=3.11\n  - pip:\n    - ./vendor/trainer\n"}, "environment.yml"),
    # the toolkit it lists is there: its `train` runs SAGEMAKER_PROGRAM
    ("FROM python:3.11\nCOPY environment.yml .\nRUN conda env create -f environment.yml\n",
     {"environment.yml": "dependencies:\n  - python=3.11\n  - pip:\n    - sagemaker-training\n"}, "SAGEMAKER_PROGRAM"),
    ("FROM python:3.11\nRUN uv sync --frozen --extra sagemaker\n", {}, "the project installed from ."),
    # pip's -f is --find-links, where to download the packages named from, no list of packages (triage BD)
    ("FROM python:3.10\nRUN pip install torch==2.1.0 -f https://download.pytorch.org/whl/torch_stable.html\n", {}, None),
    ("FROM python:3.10\nRUN uv pip install --system torch -f https://download.pytorch.org/whl/cu118\n", {}, None),
    ("FROM python:3.10\nRUN pip install -f /wheels sagemaker-training\n", {}, "SAGEMAKER_PROGRAM"),
    # the folder is named as the image has it: `./` after `cd apex` is a clone, not the build context
    ("FROM python:3.11\nWORKDIR /opt\nRUN git clone https://github.com/NVIDIA/apex && cd apex && pip install -v ./\n",
     {}, "the project installed from ./ (/opt/apex)"),
])
def test_where_an_unplaced_train_may_come_from(tmp_path, dockerfile, files, unseen):
    missing, problem = _problem(tmp_path, dockerfile, files)
    if unseen is None:
        assert missing and "no executable `train`" in problem
    else:
        assert not missing and unseen in problem, problem


def test_a_file_copied_onto_a_standard_or_made_folder_lands_inside(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        RUN mkdir -p /srv/bin
        COPY train /usr/local/bin
        COPY train /srv/bin
        COPY train /opt/program
        """, "train": "#!/usr/bin/env python3\nprint('x')\n"})
    image = container.image
    assert image.lookup("/usr/local/bin/train") is not None and image.lookup("/srv/bin/train") is not None
    # /opt/program exists in no base image: the file is named /opt/program, as Docker does it
    assert image.lookup("/opt/program") is not None and image.lookup("/opt/program/train") is None


def test_installs_reads_each_installer(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        RUN pip install torch && python3 -m pip --no-cache-dir install -r r.txt && uv pip install x
        RUN poetry install --no-root && conda install -y numpy && apt-get install -y git
        """})
    assert [words for _, words in installs(container.image)] == [
        ["torch"], ["-r", "r.txt"], ["x"], ["--project-file"], ["-y", "numpy"]]


def test_an_install_runs_in_the_workdir_of_its_time(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        WORKDIR /src
        RUN pip install -r requirements.txt
        WORKDIR /app
        RUN cd /tmp && pip install x
        """})
    assert [run.command.cwd for run, _ in installs(container.image)] == ["/src", "/tmp"]


def test_the_toolkit_installed_by_any_installer_runs_train(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        RUN uv pip install --system sagemaker-training
        COPY train.py /opt/ml/code/train.py
        ENV SAGEMAKER_PROGRAM=train.py
        """, "train.py": TRAIN})
    assert [s.kind for s in container.chain.steps] == ["entrypoint", "toolkit", "python"]


@pytest.mark.parametrize("dockerfile, display, serving", [
    ("FROM python:3.11\nCOPY --chmod=755 serve /opt/program/serve\nENV PATH=/opt/program:$PATH\n", "Dockerfile",
     "places `serve`"),
    ("FROM python:3.11\nCOPY --chmod=755 serve train /opt/program/\nENV PATH=/opt/program:$PATH\n", "Dockerfile", None),
    ("FROM 763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.1-cpu\n", "Dockerfile", "inference image"),
    ("FROM python:3.11\nRUN pip install multi-model-server sagemaker-inference\n", "Dockerfile", "model server"),
    ("FROM python:3.11\n", "container/Dockerfile.inference", "names it"),
    ("FROM python:3.11\n", "docker/inference/Dockerfile", "names it"),
    ("FROM python:3.11\n", "docker/training/Dockerfile", None),
    ("FROM python:3.11\n", "docker/Dockerfile.reserved", None),
    # deep-learning-containers' Ray image: its entry script branches on the argument; `serve` is its CMD
    ("FROM python:3.11\nENTRYPOINT [\"/usr/local/bin/entry.sh\"]\nCMD [\"serve\"]\n", "Dockerfile", "CMD is `serve`"),
    ("FROM python:3.11\nENTRYPOINT [\"/usr/local/bin/entry.sh\"]\nCMD [\"train\"]\n", "Dockerfile", None),
    ("FROM python:3.11\nLABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true\n", "Dockerfile", "binds to the port"),
])
def test_serving_images(tmp_path, dockerfile, display, serving):
    container = chain_of(tmp_path, {"Dockerfile": dockerfile, "serve": "#!/bin/sh\n", "train": "#!/bin/sh\n"})
    found = serving_reason(container.image, builtin_knowledge(), display)
    assert (found is None) if serving is None else (serving in found), found


@pytest.mark.parametrize("line, signed", [
    ("WORKDIR /opt/ml/code", True), ("ENV SM_MODEL_DIR=/model", True), ("ENV SAGEMAKER_PROGRAM=t.py", True),
    ("RUN pip install sagemaker-training", True), ("COPY train /opt/program/train", True),
    ("WORKDIR /opt/mlflow", False), ("ENV SMALL=1", False), ("RUN pip install torch", False),
    ("RUN pip install mlflow==2.13.2 sagemaker-mlflow==0.1.0", False),
])
def test_sagemaker_sign(tmp_path, line, signed):
    container = chain_of(tmp_path, {"Dockerfile": f"FROM python:3.11\n{line}\n", "train": "#!/bin/sh\n"})
    assert (sagemaker_sign(container.image) is not None) == signed


def test_an_image_for_another_platform_is_told_by_its_base_or_its_trainers_variables(tmp_path):
    knowledge = builtin_knowledge()
    vertex = chain_of(tmp_path / "v", {"Dockerfile": "FROM us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.1-13:latest\n"})
    assert "vertex-ai" in other_platform(vertex.image, knowledge, {})
    plain = chain_of(tmp_path / "p", {"Dockerfile": "FROM python:3.11\nENV MY_MODEL_DIR=/models\n"})
    assert other_platform(plain.image, knowledge, {}) is None
    assert other_platform(plain.image, knowledge, {"task.py": 'os.environ["AIP_MODEL_DIR"]'}) == \
        "task.py reads AIP_MODEL_DIR, which another platform sets (Vertex AI, Azure ML)"
    assert other_platform(plain.image, knowledge, {"train.py": 'os.environ["SM_MODEL_DIR"]'}) is None
    # Katib's trial images set a variable for the metrics collector: setting it is no sign of the platform
    written = 'if args.log_path:\n    os.environ["CLOUD_ML_HP_METRIC_FILE"] = args.log_path\n'
    assert other_platform(plain.image, knowledge, {"mnist.py": written}) is None
    assert other_platform(plain.image, knowledge, {"mnist.py": "os.environ.setdefault('AIP_MODEL_DIR', 'out')"}) is None
    assert "reads CLOUD_ML_HP_METRIC_FILE" in other_platform(
        plain.image, knowledge, {"mnist.py": written + 'out = os.environ["CLOUD_ML_HP_METRIC_FILE"]\n'})
