"""SageMaker estimators in launcher code and notebooks: `PyTorch(entry_point="train.py", ...)`.

A framework estimator (PyTorch, TensorFlow, Hugging Face, scikit-learn, XGBoost, MXNet, Chainer)
runs its entry point in AWS's framework image, where the SageMaker training toolkit starts the
script as a child. The SDK's ModelTrainer runs what its `SourceCode(entry_script=..., command=...)`
names through a shell script of its own. Found by reading the text (a notebook's cells are not
Python modules): the call's name, the `entry_point=` (`entry_script=`, `command=`) and
`source_dir=` literals inside its parentheses, and where the call is written in the file, for a
finding placed there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sigcheck.knowledge import Knowledge, builtin_knowledge
from sigcheck.loading.launch_scripts import ScriptLaunch, command_start
from sigcheck.loading.sources import is_file

_CALLED = re.compile(r"\b((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*))\s*\($")  # the name before a call's `(`
_SPAN = 20_000  # characters a call's arguments may run to
# `entry_point=` of an estimator, `entry_script=` or `command=` of a ModelTrainer's SourceCode (the
# command's words up to the first a format string fills in)
_ENTRY_POINT = re.compile(r"""\b(?:entry_point|(entry_script))\s*=\s*['"]([^'"]+\.py)['"]|\b(command)\s*=\s*f?['"]([^'"{]+)""")
_SOURCE_CODE = "SourceCode"
_SOURCE_DIR = re.compile(r"""\bsource_dir\s*=\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class EstimatorLaunch:
    """`name(entry_point=script, source_dir=folder)` written in `display` at `span`."""

    name: str  # the class as called: "PyTorch", "sagemaker.pytorch.PyTorch"
    script: Path  # the entry point's file, where it exists
    display: str  # the launcher file, as reported
    span: tuple[int, int, int, int]  # the call's name, 1-based, in the launcher file's own text
    via: ScriptLaunch | None = None  # `command="bash run.sh"`: the launch in run.sh that starts `script`
    written: str = ""  # how the launch is written where it is no call: "accelerate launch --config_file c.yaml"


def estimator_calls(text: str, folder: Path, display: str, raw: str | None = None,
                    knowledge: Knowledge | None = None, root: Path | None = None) -> list[EstimatorLaunch]:
    """The calls in `text` that pass an `entry_point=` literal naming a file that exists (beside
    the launcher, or in its `source_dir=`), and the SourceCode calls whose `entry_script=` does,
    or whose `command=` starts one (`knowledge`, the built-in one unless given, tells how; read only
    for a command, as a run from the cache reads none; `root` is the project's). `raw`: the
    file's own text, where `text` is taken from it (a notebook's cells): the call is placed on
    its line there. Each keyword is taken to the call whose parentheses hold it: the work follows
    those, not every call of the file."""
    found = []
    cursor = 0  # a notebook's calls come in the file's order: each is looked for after the last
    from_sdk = "sagemaker" in text  # a SourceCode of another library is none of the SDK's
    for entry in _ENTRY_POINT.finditer(text):
        opening = _opening(text, entry.start())
        call = _CALLED.search(text, max(0, opening - _SPAN), opening + 1) if opening is not None else None
        arguments = _arguments(text, opening + 1) if call is not None else None
        if arguments is None or (entry.group(1) or entry.group(3)) and (call.group(2) != _SOURCE_CODE or not from_sdk):
            continue  # `entry_script=` and `command=` of anything but the SDK's SourceCode say nothing
        source_dir = _SOURCE_DIR.search(_top_level(arguments))  # not one a call nested in it takes
        base = folder / source_dir.group(1) if source_dir else folder
        started = _started(entry, base, knowledge, root or folder)
        if started is not None:
            span, cursor = _span(text, raw, call, cursor)
            found.append(EstimatorLaunch(call.group(2), started[0], display, span, started[1]))
    return found


def _started(entry: re.Match, base: Path, knowledge: Knowledge | None,
             root: Path) -> tuple[Path, ScriptLaunch | None] | None:
    """The script an `entry_point=`, `entry_script=` or `command=` runs in `base`, if it exists."""
    if entry.group(3) is None:
        script = base / entry.group(2)
        return (script, None) if is_file(script) else None
    return command_start(entry.group(4), base, root, knowledge or builtin_knowledge())


def _opening(text: str, end: int) -> int | None:
    """The parenthesis, before `end`, of the call whose arguments hold that place."""
    depth = 0
    for index in range(end - 1, max(-1, end - _SPAN), -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            if depth == 0:
                return index
            depth -= 1
    return None


def _arguments(text: str, start: int) -> str | None:
    """The text between a call's parentheses (the opening one just before `start`)."""
    depth = 1
    for index in range(start, min(len(text), start + _SPAN)):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start:index]
    return None


def _top_level(arguments: str) -> str:
    """The arguments with whatever is nested in parentheses left out."""
    kept, depth = [], 0
    for char in arguments:
        depth += char == "("
        if depth == 0:
            kept.append(char)
        depth -= char == ")" and depth > 0
    return "".join(kept)


def _span(text: str, raw: str | None, match: re.Match, cursor: int) -> tuple[tuple[int, int, int, int], int]:
    """The call's name in the file, and where to look for the next call. In a notebook the cell's
    line is written JSON-quoted in the file: the call is on the first such line after `cursor`."""
    name, offset = match.group(1), match.start()
    if raw is not None:
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        quoted = json.dumps(text[start:end if end >= 0 else len(text)])[1:-1]
        at = raw.find(quoted, cursor)
        if at < 0:
            return _place(raw, max(raw.find(name + "(", cursor), 0), name), cursor
        within = len(json.dumps(text[start:offset])) - 2  # the name's place inside the quoted line
        return _place(raw, at + within, name), at + len(quoted)
    return _place(text, offset, name), cursor


def _place(text: str, offset: int, name: str) -> tuple[int, int, int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column, line, column + len(name)
