"""What an image is built for, as far as the Dockerfile shows it.

SageMaker starts a training image with `docker run IMAGE train` and an inference image with
`serve`; a repository also holds development, CI and serving images that never see either. The
rules about the `train` argument judge only an image the Dockerfile shows is built for SageMaker
training, and say nothing where `train` may come from something sigcheck cannot see: a base image
it does not know, or packages installed from files it cannot read.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable, Iterator

from sigcheck.container.argv import program_name
from sigcheck.container.dockerfile import Instruction
from sigcheck.container.image import Image, ImageFile
from sigcheck.container.runs import RunCommand
from sigcheck.knowledge import Knowledge

Read = Callable[[ImageFile], "tuple[str, str, int] | None"]

# sagemaker-mlflow is MLflow's plugin for a SageMaker tracking server: any image may log there.
_SAGEMAKER_SIGN = re.compile(r"/opt/ml(?![\w-])|/opt/program(?![\w-])|\bSAGEMAKER_[A-Z_]+|\bSM_[A-Z][A-Z_]*\b"
                             r"|sagemaker(?![-_]mlflow)", re.IGNORECASE)
# Registries' names for the official images (Canonical publishes Ubuntu on ECR Public as lts/ and ubuntu/)
_REGISTRY_PREFIXES = ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/", "library/",
                      "public.ecr.aws/docker/library/", "public.ecr.aws/lts/", "public.ecr.aws/ubuntu/")
# Docker Hub's namespaces holding each official image built for one architecture.
_ARCHITECTURES = frozenset({"amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386", "mips64le", "ppc64le",
                            "riscv64", "s390x", "windows-amd64"})
_PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
# A SageMaker toolkit named in a requirements or project file (not the `sagemaker` SDK, which
# installs no `train`), or a console script named `train` declared in a project file.
_TOOLKIT_NAMED = re.compile(r"sagemaker[-_](?:training|containers)\b|sagemaker[-_][\w-]*?[-_](?:training|container)\b",
                            re.IGNORECASE)
_TRAIN_SCRIPT = re.compile(r"""^\s*["']?train["']?\s*=|["']train\s*=""", re.MULTILINE)
_SERVING_WORDS = frozenset({"inference", "serving", "serve"})


def image_name(reference: str) -> str | None:
    """`docker.io/library/python:3.11-slim@sha256:...` -> `python`; None when a build argument
    without a default leaves the reference empty or open."""
    if not reference or "$" in reference:
        return None
    name = reference.split("@", 1)[0]
    if name.rfind(":") > name.rfind("/"):
        name = name[:name.rfind(":")]
    if not name.strip("/"):  # `${REGISTRY}${IMAGE}:${TAG}` with no defaults leaves `:`
        return None
    for prefix in _REGISTRY_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    first, _, rest = name.partition("/")
    if first in _ARCHITECTURES and rest and "/" not in rest:  # `arm64v8/ubuntu`: the official image built for arm64
        name = rest
    return name.lower()


def unseen_train(image: Image, knowledge: Knowledge, read: Read) -> str | None:
    """Where a `train` the Dockerfile does not place may still come from, or None if nowhere:
    the image is built on a known public base and installs nothing sigcheck cannot read."""
    base = image.final.lineage()[0].base
    name = image_name(base)
    if name is None:
        return "the base image, which a build argument names"
    if not knowledge.containers["plain-image"].find(name):
        return f"the base image {base}, which sigcheck does not know"
    if "SAGEMAKER_TRAINING_MODULE" in image.env:
        return "the SageMaker training toolkit, which SAGEMAKER_TRAINING_MODULE configures"
    for run, words in installs(image):
        reason = install_may_provide(image, knowledge, read, words, run.command.cwd)
        if reason is not None:
            return reason
    return None


def serving_reason(image: Image, knowledge: Knowledge, display: str) -> str | None:
    """Why the image is for a SageMaker endpoint (started with `serve`), or None."""
    serve = image.which("serve")
    if serve is not None and serve.executable and image.which("train") is None:
        return f"it places `serve` on PATH ({serve.image_path}) and no `train`"
    cmd = image.words(image.cmd) if image.cmd is not None else []
    if cmd[:1] == ["serve"]:  # deep-learning-containers' Ray images: the entry script branches on it
        return f"its CMD is `serve` (line {image.cmd.line}), the argument SageMaker starts an endpoint with"
    for instruction in image.instructions():
        if instruction.keyword == "LABEL" and _BIND_TO_PORT in instruction.text:
            return f"its LABEL says it binds to the port SageMaker hosting gives (line {instruction.line})"
    base = image.final.lineage()[0].base
    if knowledge.containers["inference-image"].find(image_name(base)):
        return f"it is built on the inference image {base}"
    for _, words in installs(image):
        for word in words:
            if word and knowledge.containers["inference-package"].find(_package(word)):
                return f"it installs {word}, a model server"
    parts = display.replace("\\", "/").lower().split("/")
    words = {*parts[:-1], *re.split(r"[._-]", parts[-1])}  # docker/inference/Dockerfile, Dockerfile.inference
    if words & _SERVING_WORDS:
        return f"its path ({display}) names it an inference image"
    return None


# SageMaker hosting's label for a container that serves on SAGEMAKER_BIND_TO_PORT (inference pipelines)
_BIND_TO_PORT = "com.amazonaws.sagemaker.capabilities.accept-bind-to-port"
_VARIABLE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
# `os.environ["CLOUD_ML_HP_METRIC_FILE"] = path` sets a variable for a library (Katib's metrics
# collector): no sign the platform set it.
_ENV_WRITE = re.compile(r"""environ\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]\s*=(?!=)|environ\.setdefault\(\s*['"]([A-Z][A-Z0-9_]*)""")


def other_platform(image: Image, knowledge: Knowledge, trainer_texts: dict[str, str]) -> str | None:
    """Why the image is for another managed platform (Vertex AI, Azure ML), or None: its base is
    one of theirs, or it or its trainer (display -> text) reads a variable only they set."""
    base = image.final.lineage()[0].base
    name = image_name(base)
    if name is not None and knowledge.containers["other-platform-image"].find(name):
        return f"it is built on {base}, an image for Vertex AI or Azure ML"
    texts = {"the Dockerfile": "\n".join(i.text for stage in image.final.lineage() for i in stage.instructions),
             **trainer_texts}
    for where, text in texts.items():
        written = [a or b for a, b in _ENV_WRITE.findall(text)]
        variable = next((v for v in _VARIABLE.findall(text) if knowledge.containers["other-platform-variable"].find(v)
                         and len(re.findall(rf"\b{v}\b", text)) > written.count(v)), None)
        if variable is not None:
            return f"{where} reads {variable}, which another platform sets (Vertex AI, Azure ML)"
    return None


def sagemaker_sign(image: Image) -> Instruction | None:
    """The first instruction that names SageMaker: /opt/ml, /opt/program (the bring-your-own
    layout), a SAGEMAKER_* or SM_* variable, a sagemaker package or image."""
    for stage in image.final.lineage():
        if _SAGEMAKER_SIGN.search(stage.base):
            return stage.start
        for instruction in stage.instructions:
            if _SAGEMAKER_SIGN.search(instruction.text) or any(_SAGEMAKER_SIGN.search(h.body) for h in instruction.heredocs):
                return instruction
    return None


def installs(image: Image) -> Iterator[tuple[RunCommand, list[str]]]:
    """Each package install the image runs, with the words after its install verb:
    `pip install -r r.txt`, `python -m pip install .`, `uv pip install x`, `uv sync`,
    `poetry install`, `conda env create -f env.yml`. The command's `cwd` is its folder."""
    for stage in image.final.lineage():
        for run in stage.runs:
            operands = _install_operands([w for w in run.command.words if w])
            if operands is not None:
                yield run, operands


def _install_operands(words: list[str]) -> list[str] | None:
    if not words:
        return None
    name = program_name(words[0])
    if name.startswith("python") and words[1:3] == ["-m", "pip"]:
        words, name = words[2:], "pip"
    rest = words[1:]
    verb = next((i for i, word in enumerate(rest) if not word.startswith("-")), len(rest))
    rest = rest[verb:]  # `pip --no-cache-dir install x`: global options come before the verb
    if name.startswith("pip") and rest[:1] == ["install"]:
        return _pip_options(rest[1:])
    if name == "uv" and (rest[:2] == ["pip", "install"] or rest[:1] == ["sync"]):
        return _pip_options(rest[2:]) if rest[0] == "pip" else ["--project-file"]
    if name in ("poetry", "pdm", "pipenv") and rest[:1] in (["install"], ["sync"]):
        return ["--project-file"]
    if name in ("conda", "mamba", "micromamba") and rest[:1] in (["install"], ["create"], ["env"]):
        return rest[1:]
    return None


def _pip_options(words: list[str]) -> list[str]:
    """pip's `-f` is `--find-links`, a page of download links for the packages named beside it
    (`pip install torch==2.1.0 -f https://download.pytorch.org/whl/torch_stable.html`); conda's
    `-f` is `--file`, a file of packages: spelled out, the two are told apart."""
    return ["--find-links" if word == "-f" else word for word in words]


def install_may_provide(image: Image, knowledge: Knowledge, read: Read, words: list[str], cwd: str) -> str | None:
    """Why this install may put a `train` program on PATH, or None."""
    files = knowledge.containers
    for index, word in enumerate(words):
        previous = words[index - 1] if index else ""
        if files["train-provider"].find(_package(word)) or files["toolkit-package"].find(_package(word)):
            return f"the package {word}"
        if word == "--project-file" or (not word.startswith("-") and _is_local(word) and previous not in _VALUED):
            project = word if word != "--project-file" else "."
            folder = posixpath.normpath(posixpath.join(cwd, project))
            if _project_may_provide(image, read, folder):
                # the folder it is in the image: `./` after `cd apex` is apex's clone, not the build context
                shown = project if posixpath.isabs(project) or "://" in project else f"{project} ({folder})"
                return f"the project installed from {shown}"
        elif previous in ("-r", "--requirement", "-f", "--file") and not word.startswith("-"):
            text = _read(image, read, posixpath.join(cwd, word))
            if text is None or _requirements_may_provide(text):
                return f"the packages listed in {word}"
    return None


_VALUED = frozenset({"-r", "--requirement", "-c", "--constraint", "-f", "--file", "--find-links", "-i", "--index-url",
                     "--extra-index-url", "-n", "--name", "-p", "--prefix", "--target", "-t", "--python"})


def _project_may_provide(image: Image, read: Read, folder: str) -> bool:
    """A local project (or wheel, archive, repository URL) may declare a `train` script or depend on
    a SageMaker toolkit; only a project whose files sigcheck reads and finds neither is cleared."""
    texts = [_read(image, read, posixpath.join(folder, name)) for name in _PROJECT_FILES]
    texts = [t for t in texts if t is not None]
    return not texts or any(_TOOLKIT_NAMED.search(t) or _TRAIN_SCRIPT.search(t) for t in texts)


def _requirements_may_provide(text: str) -> bool:
    """A requirements (or conda environment) file that names a toolkit, or more files, a local
    project or a repository, whose packages sigcheck does not read."""
    for line in text.splitlines():
        written = line.split("#", 1)[0].strip()
        if written.startswith(("-r", "--requirement", "-e", "--editable")):
            return True
        requirement = written.lstrip("- ").strip()  # a conda environment's list items
        if _is_local(requirement):
            return True
        if _TOOLKIT_NAMED.search(requirement):
            return True
    return False


def listed_requirements(image: Image, read: Read, words: list[str], cwd: str) -> list[str]:
    """The requirements the `-r` files of an install list (`sagemaker-training==4.8.0`), and the
    conda environment files (`conda env create -f environment.yml`, its `pip:` section too), as
    written and lower-cased, from the files sigcheck can read."""
    found = []
    for previous, word in zip(["", *words], words):
        environment = previous in ("-f", "--file") and word.endswith((".yml", ".yaml"))
        if (previous in ("-r", "--requirement") or environment) and not word.startswith("-"):
            text = _read(image, read, posixpath.join(cwd, word)) or ""
            lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
            if environment:  # its list items: conda's dependencies and the pip section's
                lines = [line[1:].strip() for line in lines if line.startswith("-") and not line.endswith(":")]
            found += [_package(line) for line in lines]
    return [requirement for requirement in found if requirement and not requirement.startswith("-")]


def _read(image: Image, read: Read, path: str) -> str | None:
    found = image.lookup(posixpath.normpath(path))
    got = read(found) if found is not None else None
    return got[0] if got is not None else None


def installs_a_local_project(image: Image) -> bool:
    """Whether a RUN installs a project from the image's files (`pip install .`, `pip install -e /app`)."""
    return any(word.strip("'\"").startswith((".", "/", "~")) and not word.endswith((".txt", ".whl", ".tar.gz", ".zip", ".tgz"))
               for _, words in installs(image) for word in words if not word.startswith("-"))


def installed_module_file(image: Image, module: str) -> ImageFile | None:
    """The file of the build context that `python -m module` runs where the image pip-installs the
    project holding it from its own files (`ADD . /gluonts`, `pip install /gluonts[shell]`): the
    package below the installed folder, or below its `src/`."""
    parts = module.split(".")
    for run, words in installs(image):
        for word in words:
            folder = word.strip("'\"").split("[", 1)[0]
            if word.startswith("-") or not folder.startswith((".", "/", "~")) or folder.endswith(_ARCHIVES):
                continue
            base = image.absolute(folder, run.command.cwd)
            for root in (base, posixpath.join(base, "src")):
                for candidate in (posixpath.join(root, *parts) + ".py", posixpath.join(root, *parts, "__main__.py")):
                    found = image.lookup(candidate)
                    if found is not None and found.context is not None:
                        return found
    return None


_ARCHIVES = (".txt", ".whl", ".tar.gz", ".zip", ".tgz")


def _is_local(word: str) -> bool:
    return word.startswith((".", "/", "~", "git+", "http://", "https://", "file:")) or word.endswith(
        (".whl", ".tar.gz", ".zip", ".tgz"))


def _package(word: str) -> str:
    """The package a requirement names: `sagemaker-training==4.7` and `./dist/x.whl` as written,
    lower-cased, without quotes."""
    return word.strip("'\"").lower()
