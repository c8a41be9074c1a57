"""The scripts a Python launcher on the launch chain may start, found in its text at discovery.

A launcher (`ENTRYPOINT ["python", "launch.py"]`) that starts the real trainer with `subprocess`
or `os.system` does not import it, so nothing would load the trainer. Before any Python is parsed,
the launcher's string literals are read for `something.py` and `-m package.module`; those that
are files of the build context, placed in the image beside the launcher or in its working
directory, become entry points too. This only decides what to load: whether the launcher really
starts the script, and how, is read from the project model later (python_launcher.py).
"""

from __future__ import annotations

import ast
import io
import posixpath
import re
import tokenize
from pathlib import Path

from sigcheck.container.argv import PythonCall
from sigcheck.container.chain import ChainBuilder, PythonTarget
from sigcheck.container.purpose import Read
from sigcheck.container.image import Image
from sigcheck.knowledge import Knowledge
from sigcheck.model.trace import Point

_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_MAX_SCRIPTS = 8  # a launcher starts one trainer or a few; a file listing many .py names is no launcher


def named_scripts(image: Image, launcher: PythonTarget, text: str, knowledge: Knowledge, read: Read) -> list[Path]:
    """Build-context Python files the launcher's literals name, when it calls something that runs
    a command. `read`: a file of the image's text, as the chain reads it (a program's shebang)."""
    if not _runs_commands(text, knowledge):
        return []
    words = [w for literal in _string_literals(text) for w in literal.split()]
    calls = [PythonCall(script=w) for w in words if w.endswith(".py")]
    calls += [PythonCall(module=m) for flag, m in zip(words, words[1:]) if flag == "-m" and _MODULE.fullmatch(m)]
    folders = list(dict.fromkeys([image.workdir, posixpath.dirname(launcher.image_path) or image.workdir]))
    found: list[Path] = []
    for call in calls:
        for cwd in folders:
            placed = image.python_file(call, cwd)
            context = placed.context if placed is not None else None
            if context is not None and context.suffix == ".py" and context.resolve() != launcher.path.resolve():
                if context not in found:
                    found.append(context)
                break
    return [*found[:_MAX_SCRIPTS], *_argument_program(image, launcher, text, knowledge, read)]


def _argument_program(image: Image, launcher: PythonTarget, text: str, knowledge: Knowledge, read: Read) -> list[Path]:
    """The Python program the launcher's own arguments name (`train`, found on PATH), for a
    launcher that may run what it is given (`subprocess.check_call(sys.argv[1:])`)."""
    if "argv" not in text or not launcher.call.args or launcher.call.args[0] is None:
        return []
    builder = ChainBuilder(image, knowledge, read)
    builder.program(list(launcher.call.args), Point(), image.workdir)
    target = builder.chain.python
    return [target.path] if target is not None and target.path.resolve() != launcher.path.resolve() else []


def _runs_commands(text: str, knowledge: Knowledge) -> bool:
    """Whether the text mentions a call that runs a command (`subprocess` ... `Popen`, `os` ... `execv`)."""
    for entry in knowledge.commands:
        for pattern in entry.patterns:
            module, _, name = pattern.rpartition(".")
            if name in text and module.split(".")[0] in text:
                return True
    return False


def _string_literals(text: str) -> list[str]:
    """The values of the string literals, in order (f-strings: their literal parts)."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING:
                try:
                    value = ast.literal_eval(token.string)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    value = re.sub(r"^[A-Za-z]+", "", token.string).strip("'\"")  # an f-string before 3.12
                if isinstance(value, str):
                    found.append(value)
            elif token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                found.append(token.string)
    except (tokenize.TokenError, SyntaxError):  # a broken launcher: the loader reports where
        pass
    return found
