"""What a README shows of how the project runs: its shell code blocks.

A README's fenced blocks marked as shell (or unmarked) hold the commands a user types
(```` ```bash ````, a `$ ` prompt in a console block). They are read as one shell script, each
command at its line in the README, the text around them blank lines: how a script is launched
there (accelerate, torchrun, or Python itself) tells its deadline where no script of the
project's launches it. Outside the blocks, a line's inline code that starts a program a
launch starts with (`` 1. `python -m multiproc train.py ...` ``, tacotron2's and waveglow's
multi-GPU launch) is such a command too, kept where it is written on the line.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([\w+-]*)")
_SHELL = frozenset({"", "bash", "sh", "shell", "zsh", "console", "shell-session", "sh-session", "shellsession"})
_PROMPT = re.compile(r"^([ \t]*)[$%#][ \t]")  # `$ torchrun ...` in a console block: the prompt is no command
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
# an inline span that is a command line, not a word of prose (`--fp16`, `train.py`): a launcher
# or interpreter given something to run, after any `VAR=value` assignments
_COMMAND = re.compile(r"(?:\w+=\S*\s+)*(?:python[\d.]*|torchrun|accelerate|deepspeed|bash|sh|srun|mpirun|horovodrun)\s+\S.*")


def shell_blocks(text: str) -> str:
    """The README with only its shell blocks' lines kept, every other line blank."""
    return "\n".join(line for line, _ in _kept_lines(text)) + "\n"


def batch_lines(text: str) -> frozenset[int]:
    """The lines (1-based) of the README's shell blocks that hold a Slurm batch script (`#SBATCH`):
    what such a block runs, Slurm stops; a command in another block or in prose is no part of it."""
    blocks: dict[int, list[int]] = {}
    for number, (line, block) in enumerate(_kept_lines(text), start=1):
        if block is not None:
            blocks.setdefault(block, []).append(number)
    kept = text.splitlines()
    return frozenset(number for numbers in blocks.values()
                     if any(kept[n - 1].lstrip().startswith("#SBATCH") for n in numbers) for number in numbers)


def _kept_lines(text: str):
    """Each line of the README as a shell reads it (blank where it holds no command), with the
    number of the shell block it is in (None outside them)."""
    fence, shell, block = None, False, 0
    for line in text.splitlines():
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence, shell, block = opened.group(1), opened.group(2).lower() in _SHELL, block + 1
            yield "", None
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            fence = None
            yield "", None
        elif fence is not None:
            yield (_PROMPT.sub(r"\1", line), block) if shell else ("", None)
        else:
            yield _inline_command(line), None


def _inline_command(line: str) -> str:
    """The line blank but for its first inline span that is a command, at its column."""
    for span in _INLINE.finditer(line):
        if _COMMAND.fullmatch(span.group(1).strip()):
            return " " * span.start(1) + span.group(1)
    return ""
