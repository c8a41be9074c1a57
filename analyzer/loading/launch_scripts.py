"""Shell scripts of the project that start a training script through a distributed launcher:
`torchrun --nproc_per_node 8 train.py` in `run.sh`. The launcher's deadline (torchrun SIGKILLs
its workers 30 s after forwarding SIGTERM) then holds for that script, whatever its own code
reads. A directory run reads them; a script that does not parse says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sigcheck.container.argv import launcher_target, program_name, python_call
from sigcheck.container.shell import parse_shell
from sigcheck.knowledge import Knowledge
from sigcheck.loading.sources import LoadError, is_file, resolve

_MENTIONS = re.compile(r"\b(?:torchrun|torch\.distributed\.(?:run|launch)|accelerate|deepspeed)\b")
_TORCH_MODULES = ("torch.distributed.run", "torch.distributed.launch")


@dataclass(frozen=True)
class ScriptLaunch:
    """`launcher` starts `target` at `display:line`; its workers are SIGKILLed `deadline` s after SIGTERM."""

    target: Path  # resolved
    launcher: str
    deadline: int
    display: str
    line: int


def launches_in(text: str, path: Path, display: str, root: Path, knowledge: Knowledge) -> list[ScriptLaunch]:
    """The project's Python scripts this shell script starts through a launcher with a deadline.
    A script path (or `-m` module) is looked for beside the shell script, then at the project root."""
    if not _MENTIONS.search(text):
        return []
    try:
        script = parse_shell(text, display, {}, None)
    except LoadError:
        return []
    found = []
    for command in script.commands:
        started = _launched(list(command.words), knowledge)
        if started is None:
            continue
        launcher, deadline, target = started
        for candidate in _files(target, path.parent, root):
            if is_file(candidate):
                found.append(ScriptLaunch(resolve(candidate), launcher, deadline, display, command.span[0]))
                break
    return found


def _files(target: str, *bases: Path) -> list[Path]:
    """Where a script (`train.py`) or a module (`-m torchtitan.train`) may be, in each base."""
    if target.endswith(".py"):
        return [base / target for base in bases]
    parts = target.split(".")
    return [place for base in bases for place in (base.joinpath(*parts).with_suffix(".py"),
                                                   base.joinpath(*parts, "__main__.py"))]


def _launched(words: list[str | None], knowledge: Knowledge) -> tuple[str, int, str] | None:
    """(launcher, deadline, script) for `torchrun ... x.py`, `accelerate launch ... x.py`,
    `deepspeed x.py`, `python -m torch.distributed.run ... x.py`."""
    # An unquoted variable holding several options (`DISTRIBUTED_ARGS="--nproc_per_node 8 ..."`) is
    # split by the shell: the script reader keeps it as one word.
    words = [part for word in words for part in (word.replace("\\\n", " ").split() if word is not None and word.strip() else [word])]
    while words and words[0] is not None and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]  # `CUDA_VISIBLE_DEVICES=0,1 torchrun ...`
    if not words or words[0] is None:
        return None
    name = program_name(words[0])
    if knowledge.containers["interpreter"].find(name):
        call = python_call(list(words), [])
        if call.module not in _TORCH_MODULES:
            return None
        words, name = ["torchrun", *call.args], "torchrun"
    entries = knowledge.containers["launcher"].find(name)
    if not entries or not entries[0].option("deadline"):
        return None
    # A word sigcheck cannot know is passed over: most are options built from variables
    # (`--nproc_per_node=${NGPU}`); what is taken for the target must then be a project file.
    known = [words[0], *("-?" if w is None else w for w in words[1:])]  # an unknown word reads as an option
    call = launcher_target(known, entries[0].option("value-options", []))
    target = call.script or call.module
    return (name, entries[0].option("deadline"), target) if target else None
