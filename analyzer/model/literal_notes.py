"""What a module's string literals tell the loader: the scripts a child may run (`"train.py"`, or a
word of a command line, `"python build.py"`), the modules a command starts (`-m pkg.train`), and
dotted names importlib may import (`"swift.trainers.Seq2SeqTrainer"`). The loader reads those
files, so that whether a child trains is read from its script, not guessed from its name."""

from __future__ import annotations

import re

from sigcheck.model import ir

DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_STARTED_MODULE = re.compile(r"(?:^|\s)-m\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?=\s|$)")
_SCRIPT_WORD = re.compile(r"(?:^|(?<=\s))([\w./-]+\.py)(?=\s|$|;)")


def note_literal(summary: ir.ModuleSummary, value: str) -> None:
    if value.endswith(".py") and " " not in value and len(value) < 256:  # a script a child may run
        summary.scripts.add(value)
    elif " " in value and len(value) < 4096:  # a command line: `os.system("python -m pkg.train ...")`, `"python build.py"`
        summary.started_modules.update(_STARTED_MODULE.findall(value))
        summary.scripts.update(_SCRIPT_WORD.findall(value))
    elif "." in value and len(value) < 256 and DOTTED.fullmatch(value.removesuffix(".")):
        summary.dotted_texts.add(value)  # "proj.steps." too: any module of the package, as the text goes on
