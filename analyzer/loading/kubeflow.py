"""Functions a Kubeflow TrainJob runs: `TrainerClient().train(trainer=CustomTrainer(func=train))`.

Kubeflow's SDK does not ship the notebook or module the function is written in. It takes the
function's own source (`inspect.getsource`, dedented), appends a call of it (`train()`, or
`train(**func_args)`) and runs that file with the runtime's command (torchrun, mpirun) in each
pod of the job. The training client of Kubeflow's earlier operator did the same for
`create_job(train_func=...)`. Kubernetes stops the pods: SIGTERM, then SIGKILL when the grace
period (30 s unless the job says otherwise) ends.

So the run to check is that file: the function's lines, each at the line of the notebook's file
(or the module) that holds it, and its call at the line that hands it over: with the
`func_args` handed too, `train(**func_args)`, whose arguments are not known, so that a function
with parameters the call must fill (`def train(num_samples, model_name)`) runs. Only a function
defined at the top of a cell or module is followed, as a name handed over written out. Text
only, nothing runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sigcheck.knowledge import builtin_knowledge
from sigcheck.loading.launch_scripts import ScriptLaunch
from sigcheck.loading.notebooks import NotebookLines
from sigcheck.loading.sources import display_path, resolve

if TYPE_CHECKING:
    from sigcheck.loading.discovery import Discovery

# The call that hands a function over, and the keyword it is handed in (or the first argument).
_HANDING = re.compile(r"\b(CustomTrainer|create_job)\s*\(")
_KEYWORD = {"CustomTrainer": "func", "create_job": "train_func"}
_DEFAULT_CLIENT = re.compile(r"\bTrainerClient\(\s*\)")
_DEF = re.compile(r"(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(")
LAUNCHER = "a Kubeflow TrainJob"


@dataclass(frozen=True)
class HandedFunction:
    name: str
    text: str  # the file the job runs: the function's lines where the source holds them, then its call
    line: int  # where the source hands it over (the call's line in the file)
    call: str  # `CustomTrainer` or `create_job`


def add_trainjob(found: "Discovery", path: Path, handed: HandedFunction) -> None:
    """The file a TrainJob runs for a function the notebook or module at `path` hands it: an entry
    point shown in that file, launched with Kubernetes' grace period."""
    stem = re.sub(r"[^0-9A-Za-z_]", "_", path.stem)
    script = resolve(path.parent / f"__kubeflow_{stem}_{handed.name}__.py")
    display = display_path(path)
    found.texts[script] = handed.text
    found.embedded[script] = display  # its lines are the notebook's or module's: no fix edits them
    deadline = builtin_knowledge().platforms["kubernetes"].deadline
    found.launches.append(ScriptLaunch(script, LAUNCHER, deadline, display, handed.line))
    found.add(script, f"the function {handed.name} {LAUNCHER} runs, handed to {handed.call} at {display}:{handed.line}",
              display)


def notebook_functions(notebook: str, cells: list[list[str]]) -> list[HandedFunction]:
    """The functions a notebook's code cells hand to a TrainJob; none from a notebook whose cells
    are laid out so that their lines cannot be placed (see NotebookLines)."""
    placed = NotebookLines(notebook)
    lines: list[str] = []
    numbers: list[int] = []
    for cell in cells:
        at = placed.find(cell) if cell else None
        if at is None or cell[0].startswith("%%"):  # a cell magic's cell is no Python the kernel runs
            continue
        lines += [line if line.endswith("\n") else line + "\n" for line in cell]
        numbers += at
    return handed_functions(lines, numbers)


def module_functions(text: str) -> list[HandedFunction]:
    lines = text.splitlines(keepends=True)
    return handed_functions(lines, list(range(1, len(lines) + 1)))


def handed_functions(lines: list[str], numbers: list[int]) -> list[HandedFunction]:
    """`lines` (each at the file line in `numbers`): the code the kernel or interpreter runs, in order."""
    source = "".join(lines)
    if _HANDING.search(source) is None:
        return []
    local = not _on_kubernetes(source)
    starts = _line_starts(lines)
    found: dict[str, HandedFunction] = {}
    for match in _HANDING.finditer(source):
        if local and match.group(1) == "CustomTrainer":
            continue  # the trainer client runs it on this machine, in a process or a container of its own
        name = _handed_name(source, match)
        index = bisect_right(starts, match.start()) - 1  # the line the call starts on
        start = _definition(lines, name, index) if name else None
        if start is None:
            continue
        first, end = _decorators_from(lines, start), _block_end(lines, start)
        text = _placed(lines[first:end], numbers[first:end])
        line = numbers[index] if numbers[index] > text.count("\n") else text.count("\n") + 1
        # the last handing stands: a notebook tries the function locally first, then on the cluster
        call = f"{name}(**func_args)" if "func_args" in _arguments(source, match.end()) else f"{name}()"
        found[name] = HandedFunction(name, text + "\n" * (line - 1 - text.count("\n")) + call + "\n", line, match.group(1))
    return list(found.values())


def _on_kubernetes(source: str) -> bool:
    """Whether the code's trainer client sends jobs to a cluster: its default backend, unless
    every client it makes is given a local one (`TrainerClient(backend_config=LocalProcessBackendConfig())`,
    or a ContainerBackendConfig: Docker or Podman here). Kubeflow's examples try a function
    locally, then make a default client for the cluster."""
    return "KubernetesBackendConfig" in source or _DEFAULT_CLIENT.search(source) is not None \
        or "BackendConfig(" not in source


def _handed_name(source: str, match: re.Match) -> str | None:
    """The name handed in the call's keyword (`func=train`), or as its first argument."""
    inside = _arguments(source, match.end())
    keyword = re.search(rf"(?:^|[,(\s]){_KEYWORD[match.group(1)]}\s*=\s*([A-Za-z_]\w*)\s*(?:[,)]|$)", inside)
    if keyword:
        return keyword.group(1)
    first = re.match(r"\s*([A-Za-z_]\w*)\s*(?:,|$)", inside) if match.group(1) == "CustomTrainer" else None
    return first.group(1) if first else None


def _arguments(source: str, start: int) -> str:
    """The text between the call's parentheses (to the end of the source if they never close)."""
    depth = 1
    for position in range(start, len(source)):
        depth += {"(": 1, ")": -1}.get(source[position], 0)
        if depth == 0:
            return source[start:position]
    return source[start:]


def _definition(lines: list[str], name: str, before: int) -> int | None:
    """The last top-level `def name(` at or before line index `before`."""
    for index in range(min(before, len(lines) - 1), -1, -1):
        match = _DEF.match(lines[index])
        if match and match.group(1) == name:
            return index
    return None


def _decorators_from(lines: list[str], start: int) -> int:
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    return start


def _block_end(lines: list[str], start: int) -> int:
    """The index after the function's last line: its body is indented, and a black-formatted
    signature closes with `)` at the margin."""
    end = start + 1
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line[0].isspace() and not line.startswith((")", "#")):
            break
        if line.strip() and not line.startswith("#"):
            end = index + 1
    return end


def _placed(lines: list[str], numbers: list[int]) -> str:
    text = ""
    for number, line in zip(numbers, lines):
        text += "\n" * max(0, number - 1 - text.count("\n")) + line
    return text


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    return starts


