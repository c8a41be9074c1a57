"""The build context a Dockerfile's COPY and ADD read from, when the Dockerfile sits below it."""

from __future__ import annotations

from pathlib import Path

from project_files import write_project
from sigcheck.container.context import build_contexts
from sigcheck.container.dockerfile import parse_dockerfile
from sigcheck.container.model import load_container
from sigcheck.knowledge import builtin_knowledge
from sigcheck.loading.sources import SourceFile

ENTRY = '#!/bin/sh\nexec python /opt/program/train.py "$@"\n'
TRAIN = "import signal\nsignal.signal(signal.SIGTERM, lambda *a: None)\n"


def contexts(root: Path, dockerfile: str, text: str) -> list[str]:
    path = root / dockerfile
    path.parent.mkdir(parents=True, exist_ok=True)
    parsed = parse_dockerfile(SourceFile(path, dockerfile, text))
    found = build_contexts(parsed, path.parent, root)
    return [p.relative_to(root).as_posix() for p in found]


def test_the_folder_above_the_dockerfile_that_holds_every_source_is_the_context(tmp_path):
    write_project(tmp_path, {"service/code/train.py": TRAIN, "service/scripts/entry.sh": ENTRY})
    text = "FROM python:3.11\nCOPY code/train.py /opt/program/\nCOPY scripts/entry.sh /entry.sh\n"
    assert contexts(tmp_path, "service/docker/Dockerfile", text) == ["service", "service/docker", "."]


def test_the_nearest_folder_holding_them_all_wins_over_the_root(tmp_path):
    write_project(tmp_path, {"service/train.py": TRAIN, "train.py": TRAIN, "requirements.txt": ""})
    # service/ lacks requirements.txt: `docker build` from there would fail, so the root is the context
    text = "FROM python:3.11\nCOPY train.py requirements.txt /opt/program/\n"
    assert contexts(tmp_path, "service/Dockerfile", text) == [".", "service"]
    write_project(tmp_path, {"service/requirements.txt": ""})
    assert contexts(tmp_path, "service/Dockerfile", text) == ["service", "."]


def test_without_a_folder_holding_every_source_each_is_looked_for_beside_the_dockerfile_then_at_the_root(tmp_path):
    write_project(tmp_path, {"service/code/train.py": TRAIN, "tools/entry.sh": ENTRY})
    # the wheel is built before `docker build`, no folder holds it: the one that holds the rest is the
    # context; variables, other stages and URLs are not the context's
    text = ("FROM python:3.11 AS build\nARG APP=x\nCOPY dist/app-1.0-py3-none-any.whl /tmp/\nCOPY $APP/ /app/\n"
            "COPY --from=build /usr/lib /usr/lib\nADD https://example.com/a.tgz /a.tgz\nCOPY code/ /opt/program/\n")
    assert contexts(tmp_path, "service/docker/Dockerfile", text) == ["service", "service/docker", "."]
    split = text + "COPY tools/entry.sh /entry.sh\n"  # code/ beside the Dockerfile's folder, tools/ at the root
    assert contexts(tmp_path, "service/docker/Dockerfile", split) == ["service/docker", "."]
    only_skipped = "FROM python:3.11\nCOPY $APP/ /app/\nCOPY <<EOF /x\nhi\nEOF\n"
    assert contexts(tmp_path, "service/docker/Dockerfile", only_skipped) == ["service/docker", "."]


def test_a_dockerfile_outside_the_root_keeps_its_folder_and_the_root(tmp_path):
    root, elsewhere = tmp_path / "project", tmp_path / "docker"
    write_project(root, {"train.py": TRAIN})
    path = elsewhere / "Dockerfile"
    path.parent.mkdir(parents=True)
    parsed = parse_dockerfile(SourceFile(path, "Dockerfile", "FROM python:3.11\nCOPY train.py /opt/program/\n"))
    assert build_contexts(parsed, elsewhere, root) == [root, elsewhere]


def test_the_launch_chain_follows_scripts_copied_from_the_context_above_the_dockerfile(tmp_path):
    write_project(tmp_path, {
        "service/code/train.py": TRAIN,
        "service/scripts/entry.sh": '#!/bin/sh\npython /opt/program/train.py "$@"\n',
        "service/docker/Dockerfile": """
            FROM python:3.11-slim
            COPY code/train.py /opt/program/train.py
            COPY scripts/entry.sh /entry.sh
            RUN chmod +x /entry.sh
            ENTRYPOINT ["/entry.sh"]
        """,
    })
    container = load_container(tmp_path / "service/docker/Dockerfile", tmp_path, builtin_knowledge())
    assert container.chain.problem is None
    assert container.chain.python is not None
    assert container.chain.python.path == (tmp_path / "service/code/train.py").resolve()


def test_above_a_project_file_beside_the_dockerfile_up_to_the_working_folder(tmp_path, monkeypatch):
    """deep-learning-containers' docker/ray-train/ holds a pyproject.toml, the project root of a
    run on its Dockerfile alone; the image is built from the repository's top, the working folder."""
    write_project(tmp_path, {"scripts/entry.sh": ENTRY, "scripts/train.py": TRAIN, "docker/trainer/pyproject.toml": ""})
    text = "FROM python:3.11\nCOPY scripts/entry.sh /entry.sh\nCOPY scripts/train.py /opt/program/\n"
    root = tmp_path / "docker" / "trainer"
    parsed = parse_dockerfile(SourceFile(root / "Dockerfile", "docker/trainer/Dockerfile", text))
    monkeypatch.chdir(tmp_path)
    assert build_contexts(parsed, root, root) == [tmp_path, root]
    monkeypatch.chdir(root)  # run from the Dockerfile's own folder: nothing above it is looked at
    assert build_contexts(parsed, root, root) == [root]


def test_a_pattern_that_matches_nothing_copies_nothing_and_does_not_decide_the_context(tmp_path):
    """deep-learning-containers' `COPY docker/ray-train/wheel[s]/ /tmp/wheels/`: a folder copied
    only where it exists. A pattern that matches in one folder still tells the folders apart."""
    write_project(tmp_path, {"service/scripts/entry.sh": ENTRY, "service/code/train.py": TRAIN})
    text = "FROM python:3.11\nCOPY scripts/entry.sh /entry.sh\nCOPY wheel[s]/ /tmp/wheels/\n"
    assert contexts(tmp_path, "service/docker/Dockerfile", text) == ["service", "service/docker", "."]
    matching = "FROM python:3.11\nCOPY code/*.py /opt/program/\n"
    write_project(tmp_path, {"code/notes.txt": ""})
    assert contexts(tmp_path, "service/docker/Dockerfile", matching) == ["service", "service/docker", "."]


def test_a_folder_of_dockerfiles_alone_is_not_what_copy_all_copies(tmp_path):
    """axolotl builds `docker/Dockerfile-uv` with `docker build -f docker/Dockerfile-uv .`: its
    `COPY . .` copies the repository, not the folder of Dockerfiles, where the entry script it
    runs is not (a DKR004 in that script went unseen). A folder with more in it may be the context,
    if it holds what the image then runs from the copy."""
    write_project(tmp_path, {"scripts/entry.sh": ENTRY, "train.py": TRAIN, "docker/Dockerfile-base": "FROM python:3.11\n",
                             "docker/.dockerignore": "*.pyc\n"})
    text = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"/app/scripts/entry.sh\"]\n"
    assert contexts(tmp_path, "docker/Dockerfile-uv", text) == [".", "docker"]
    write_project(tmp_path, {"docker/entry.sh": ENTRY})  # more than Dockerfiles, but not the entry script
    assert contexts(tmp_path, "docker/Dockerfile-uv", text) == [".", "docker"]
    write_project(tmp_path, {"docker/scripts/entry.sh": ENTRY})
    assert contexts(tmp_path, "docker/Dockerfile-uv", text) == ["docker", "."]


def test_what_the_image_uses_from_a_copy_of_the_context_tells_which_folder_it_is(tmp_path):
    """open_lm's sagemaker_train/Dockerfile, built with `docker build -f sagemaker_train/Dockerfile .`
    from the repository's root: its folder holds a launcher script, but `COPY . /opt/ml/code/` is
    followed by uses of the root's requirements.txt and setup.py, and SAGEMAKER_PROGRAM names the
    root's open_lm/main.py. What no folder holds is made by the build, and tells nothing."""
    write_project(tmp_path, {"open_lm/main.py": TRAIN, "requirements.txt": "", "setup.py": "",
                             "sagemaker_train/launch.py": "print('launch')\n"})
    text = ("FROM pytorch-training:2.1.0\nCOPY . /opt/ml/code/\nRUN rm /opt/ml/code/setup.py\n"
            "RUN pip install -r /opt/ml/code/requirements.txt && mkdir /opt/ml/code/logs\n"
            "ENV SAGEMAKER_PROGRAM open_lm/main.py\n")
    assert contexts(tmp_path, "sagemaker_train/Dockerfile", text) == [".", "sagemaker_train"]
    nothing_used = "FROM pytorch-training:2.1.0\nCOPY . /opt/ml/code/\nRUN mkdir /opt/ml/code/logs\n"
    assert contexts(tmp_path, "sagemaker_train/Dockerfile", nothing_used) == ["sagemaker_train", "."]
    program_only = "FROM pytorch-training:2.1.0\nCOPY . /opt/ml/code/\nENV SAGEMAKER_PROGRAM=open_lm/main.py\n"
    assert contexts(tmp_path, "sagemaker_train/Dockerfile", program_only) == [".", "sagemaker_train"]


def test_a_file_made_before_the_build_is_looked_for_by_its_folder(tmp_path):
    """sagemaker-training-toolkit's test/container/tensorflow/Dockerfile, built from test/container
    after CI copies the toolkit's tarball into dummy/: no folder holds the tarball, the one that
    holds dummy/ and tensorflow/train.py is the context."""
    write_project(tmp_path, {"test/container/dummy/requirements.txt": "", "test/container/tensorflow/train.py": TRAIN})
    text = ("FROM tensorflow-training:2.13.0\nCOPY dummy/sagemaker_training.tar.gz /sagemaker_training.tar.gz\n"
            "COPY tensorflow/train.py /opt/ml/code/train.py\nENV SAGEMAKER_PROGRAM train.py\n")
    assert contexts(tmp_path, "test/container/tensorflow/Dockerfile", text)[0] == "test/container"
