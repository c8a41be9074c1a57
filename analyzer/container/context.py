"""Which folder a Dockerfile is built from: its build context, where COPY and ADD find their files.

The context is an argument of `docker build`, not part of the Dockerfile. The Dockerfile's own
folder and the project root are the usual ones, but a component often keeps its Dockerfile in a
folder of its own (`service/docker/Dockerfile`, built as `docker build -f docker/Dockerfile .`
from `service/`). A build fails when a source is missing from its context, so the folder that
holds every source the Dockerfile copies, nearest the Dockerfile first, is the context it is built
from. Where no folder holds them all (a file made before the build, a variable in a path), each
source is looked for in the Dockerfile's folder, then at the root.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from sigcheck.container.dockerfile import ParsedDockerfile, is_dockerfile
from sigcheck.container.stages import context_matches, copy_words

_GLOB = frozenset("*?[")


def build_contexts(parsed: ParsedDockerfile, folder: Path, root: Path) -> list[Path]:
    """The folders COPY and ADD sources are looked for in, in order: the context that holds them
    all, if one does, then the Dockerfile's folder and the root."""
    fallback = list(dict.fromkeys([folder, root]))
    sources = _copied_sources(parsed)
    if not sources:
        return fallback
    candidates = _candidates(folder, root)
    # A pattern that matches nothing copies nothing and fails no build: `COPY wheel[s]/ /tmp/wheels/`
    # is how deep-learning-containers copies a folder that may not exist.
    sources = [s for s in sources if not _GLOB.intersection(s) or any(context_matches([c], s) for c in candidates)]
    sources = [found for s in sources if (found := _made_before_the_build(s, candidates)) is not None]
    copies_all = any(source.rstrip("/") in (".", "./") for source in sources)
    if copies_all:  # what the image then uses from the copied tree is in its context too
        used = _used_from_copied_tree(parsed)
        sources += [u for u in used if any(context_matches([c], u) for c in candidates)]  # not what the build makes
    holding = next((candidate for candidate in candidates
                    if all(context_matches([candidate], source) for source in sources)
                    and not (copies_all and _holds_only_dockerfiles(candidate))), None)
    return fallback if holding is None else list(dict.fromkeys([holding, *fallback]))


def _made_before_the_build(source: str, candidates: list[Path]) -> str | None:
    """The source as it tells the context: itself where a candidate holds it; for a file no
    candidate holds (made by the build's script first: the toolkit's `cp dist/*.tar.gz
    test/container/dummy/`), the folder it is copied from, where one holds that; else None."""
    if any(context_matches([c], source) for c in candidates):
        return source
    folder = posixpath.dirname(source.rstrip("/"))
    return folder if folder and folder not in (".", "/") and any(context_matches([c], folder) for c in candidates) else None


def _used_from_copied_tree(parsed: ParsedDockerfile) -> list[str]:
    """The files later instructions use from a folder `COPY . <dest>` filled, relative to it:
    `RUN pip install -r /opt/ml/code/requirements.txt` after `COPY . /opt/ml/code/` needs a
    requirements.txt in the context, and `ENV SAGEMAKER_PROGRAM open_lm/main.py` the script.
    open_lm's sagemaker_train/Dockerfile is built from the repository's root so (`docker build -f
    sagemaker_train/Dockerfile .`): its own folder holds a script, but none of these."""
    used: list[str] = []
    destinations: list[str] = []
    workdir = "/"
    for instruction in parsed.instructions:
        if instruction.keyword == "FROM":
            workdir, destinations = "/", []
        elif instruction.keyword == "WORKDIR" and instruction.args and "$" not in instruction.args[0]:
            workdir = posixpath.join(workdir, instruction.args[0])
        if instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
            words = copy_words(instruction)
            if len(words) >= 2 and any(w.rstrip("/") in (".", "./") for w in words[:-1]) and "$" not in words[-1]:
                destinations.append(posixpath.normpath(posixpath.join(workdir, words[-1])).rstrip("/") + "/")
            continue
        if not destinations:
            continue
        for word in _words(instruction):
            for destination in destinations:
                if word.startswith(destination) and len(word) > len(destination) and "$" not in word:
                    used.append(word[len(destination):])
            if instruction.keyword == "ENV" and word.startswith("SAGEMAKER_PROGRAM="):
                program = word.split("=", 1)[1]
                used += [program] if program and not program.startswith(("/", "$")) else []
    return used


def _words(instruction) -> list[str]:
    """An instruction's words, quotes and separators taken off: `ENV SAGEMAKER_PROGRAM x.py` as
    `SAGEMAKER_PROGRAM=x.py`."""
    if instruction.keyword == "ENV" and len(instruction.args) == 2 and "=" not in instruction.args[0]:
        return [f"{instruction.args[0]}={instruction.args[1]}"]
    return [word.strip("'\"").rstrip(";,&|") for arg in instruction.args for word in arg.split()]


def _holds_only_dockerfiles(folder: Path) -> bool:
    """A folder of Dockerfiles alone (axolotl's `docker/`): `COPY . .` copies a project, never
    such a folder, so it is built from a folder above (`docker build -f docker/Dockerfile-uv .`)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    return bool(entries) and all(entry.is_file() and (is_dockerfile(entry) or entry.name.startswith(".")
                                                      or entry.suffix == ".md") for entry in entries)


def _candidates(folder: Path, root: Path) -> list[Path]:
    """The Dockerfile's folder and those above it up to the root; just the two outside it. Then
    the folders above the root up to the working folder, when that holds the root: a project file
    beside the Dockerfile (deep-learning-containers' `docker/ray-train/pyproject.toml`) makes
    that folder the project's root, while `docker build -f docker/ray-train/Dockerfile .` runs
    from the repository's top, where the run was started."""
    if folder != root and root not in folder.parents:
        return [folder, root]
    inside = [folder, *(above for above in folder.parents if above == root or root in above.parents)]
    here = Path.cwd().resolve()
    return inside + [above for above in root.parents if above == here or here in above.parents]


def _copied_sources(parsed: ParsedDockerfile) -> list[str]:
    """The files COPY and ADD take from the context: not another stage's (`--from`), not a URL,
    not a heredoc, and not a path spelled with a variable, which only the build knows."""
    sources = []
    for instruction in parsed.instructions:
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
            continue
        for source in copy_words(instruction)[:-1]:
            if "://" in source or "$" in source or source.lstrip("0123456789").startswith("<<"):
                continue
            sources.append(source)
    return sources
