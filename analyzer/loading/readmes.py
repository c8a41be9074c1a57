"""What a README shows of how the project runs: its shell code blocks.

A README's fenced blocks marked as shell (or unmarked) hold the commands a user types
(```` ```bash ````, a `$ ` prompt in a console block). They are read as one shell script, each
command at its line in the README, the text around them blank lines: how a script is launched
there (accelerate, torchrun, or Python itself) tells its deadline where no script of the
project's launches it.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([\w+-]*)")
_SHELL = frozenset({"", "bash", "sh", "shell", "zsh", "console", "shell-session", "sh-session", "shellsession"})
_PROMPT = re.compile(r"^([ \t]*)[$%#][ \t]")  # `$ torchrun ...` in a console block: the prompt is no command


def shell_blocks(text: str) -> str:
    """The README with only its shell blocks' lines kept, every other line blank."""
    kept, fence, shell = [], None, False
    for line in text.splitlines():
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence, shell = opened.group(1), opened.group(2).lower() in _SHELL
            kept.append("")
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            fence = None
            kept.append("")
        else:
            kept.append(_PROMPT.sub(r"\1", line) if fence is not None and shell else "")
    return "\n".join(kept) + "\n"
