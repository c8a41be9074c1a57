"""Kubernetes manifests: the pods a Job, a Deployment, a Kubeflow PyTorchJob or a JobSet runs,
what each container's command starts, and the grace period a stop gives it.

Deleting a pod (a Job cancelled, a node drained, a spot node reclaimed) sends SIGTERM to each
container's PID 1 and SIGKILL when the pod's `terminationGracePeriodSeconds` (30 unless set) run
out. A container whose `command` (and `args`) runs a script of the project is a launch of it, read
as a launch script's line is (`python train.py`, `torchrun ... train.py`, `sh -c '...'`), placed
at the manifest's line; that pod's grace period is the Kubernetes deadline of the run (a `sh -c`
that runs the script as a child keeps the signal from it: launch_files.py). A container
without `command` runs its image's ENTRYPOINT, which the Dockerfile tells. YAML is read as data
(safe loading of the node tree only): nothing in it runs.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

DEFAULT_GRACE = 30  # seconds: the pod spec's default terminationGracePeriodSeconds
_MANIFEST = re.compile(r"^kind[ \t]*:", re.M)
_CONTAINERS = re.compile(r"^[ \t-]*containers[ \t]*:", re.M)


@dataclass(frozen=True)
class ContainerCommand:
    words: tuple[str, ...]  # command then args, as the container runs them
    line: int  # where the manifest writes the command (1-based)
    grace: int  # the pod's terminationGracePeriodSeconds
    grace_line: int | None  # where the manifest sets it; None: the default


def may_be_manifest(text: str) -> bool:
    return _MANIFEST.search(text) is not None and _CONTAINERS.search(text) is not None


def container_commands(text: str) -> list[ContainerCommand]:
    """The commands of every container of every pod template the manifest's documents hold; none
    from text that is no YAML."""
    import yaml  # here: most runs read no manifest, and a run answered from the cache none

    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    found: list[ContainerCommand] = []
    for document in documents:
        for pod in _pod_specs(document):
            grace, grace_line = _grace(pod)
            for container in _items(_value(pod, "containers")):
                command = _words(_value(container, "command"))
                if not command:  # the image's ENTRYPOINT runs: the Dockerfile says what
                    continue
                node = _key(container, "command")
                found.append(ContainerCommand((*command, *_words(_value(container, "args"))),
                                              node.start_mark.line + 1, grace, grace_line))
    return found


def as_launch_script(commands: list[ContainerCommand], lines: int) -> str:
    """The commands as a shell script of `lines` lines, each at the line that writes it."""
    kept = [""] * max(lines, max((c.line for c in commands), default=0))
    for command in commands:
        kept[command.line - 1] = shlex.join(command.words)
    return "\n".join(kept) + "\n"


def _pod_specs(node, depth: int = 0):
    """Every mapping with `containers` (a pod spec, as templates nest them), outermost first."""
    if depth > 40:
        return
    if _kind(node) == "mapping":
        if _key(node, "containers") is not None:
            yield node
        for _, value in node.value:
            yield from _pod_specs(value, depth + 1)
    elif _kind(node) == "sequence":
        for item in node.value:
            yield from _pod_specs(item, depth + 1)


def _grace(pod) -> tuple[int, int | None]:
    node = _value(pod, "terminationGracePeriodSeconds")
    if _kind(node) == "scalar" and node.value.isdigit():
        return int(node.value), node.start_mark.line + 1
    return DEFAULT_GRACE, None


def _kind(node) -> str | None:
    """A node's kind in PyYAML's tree: "scalar", "sequence" or "mapping"."""
    return getattr(node, "id", None)


def _key(mapping, name: str):
    if _kind(mapping) != "mapping":
        return None
    return next((key for key, _ in mapping.value if _kind(key) == "scalar" and key.value == name), None)


def _value(mapping, name: str):
    if _kind(mapping) != "mapping":
        return None
    return next((value for key, value in mapping.value if _kind(key) == "scalar" and key.value == name), None)


def _items(node) -> list:
    return list(node.value) if _kind(node) == "sequence" else []


def _words(node) -> list[str]:
    """A command written as a list of strings; a `$(VAR)` Kubernetes expands is kept as written."""
    return [str(item.value) for item in _items(node) if _kind(item) == "scalar"]
