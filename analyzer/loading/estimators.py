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
from bisect import bisect_right
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

from sigcheck.knowledge import Knowledge, builtin_knowledge
from sigcheck.loading.call_text import CALLED, NAME_SPAN, arguments_from, commented, enclosing_call, opening_bracket, top_level
from sigcheck.loading.launch_scripts import ScriptLaunch, command_start
from sigcheck.loading.sources import is_file, resolve
from sigcheck.loading.switches import switch_names, switched_by_hyperparameters

# `entry_point=` of an estimator (a literal, an f-string of names literals are assigned to, or such a name), `entry_script=` or
# `command=` of a ModelTrainer's SourceCode (the command's words up to the first a format string
# fills in), or an `"entry_point":` key of a dict of keywords
_ENTRY_POINT = re.compile(
    r"""\b(?:entry_point|(entry_script))\s*=\s*(?:f?['"]((?:[^'"{]|\{[A-Za-z_]\w*\})+\.(?:py|sh))['"]|([A-Za-z_]\w*)(?=\s*[,)\n]))"""
    r"""|\b(command)\s*=\s*f?['"]([^'"{]+)|['"]entry_point['"]\s*:\s*f?['"]([^'"{]+\.py)['"]""")
# The hyperparameter the SDK's entry_point= sets and the training toolkit reads, written by hand
# for an Estimator of a custom image (a pipeline's step, a sourcedir.tar.gz uploaded beforehand):
# `hyperparameters["sagemaker_program"] = "train.py"`, or that key in a dict display
_PROGRAM = re.compile(r"""(?:\b([A-Za-z_]\w*)\s*\[\s*)?['"]sagemaker_program['"](?:\s*\]\s*=|\s*:)\s*f?['"]([^'"{]+\.py)['"]""")
_SOURCE_CODE = "SourceCode"
_RETRIEVE = r"(?:sagemaker\.)?image_uris\.retrieve\("
_IMAGE_URI = re.compile(rf"\bimage_uri\s*=\s*(?:{_RETRIEVE}|([A-Za-z_]\w*)\s*[,)\n])")
_CWD_JOINED = re.compile(r"""\bsource_dir\s*=\s*(?:os\.path\.join\(\s*os\.getcwd\(\)\s*,\s*|os\.getcwd\(\)\s*\+\s*['"]/)"""
                         r"""['"]?([^'"]+)['"]""")
_SOURCE_DIR = re.compile(r"""\bsource_dir\s*=\s*(?:['"]([^'"]+)['"]|([A-Za-z_]\w*)(?=\s*(?:[,)\n]|$)))"""
                         r"""|['"]source_dir['"]\s*:\s*['"]([^'"]+)['"]""")
_BAG = re.compile(r"\b([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:dict\s*)?$")  # `args = dict(`, `args: dict = {` before it
_FROM_SDK = re.compile(r"\bfrom\s+sagemaker[\w.]*\s+import\s+(\([^)]*\)|[^\n]+)")


@dataclass(frozen=True)
class EstimatorLaunch:
    """`name(entry_point=script, source_dir=folder)` written in `display` at `span`."""

    name: str  # the class as called, or as imported where the call renames it: "PyTorch", "sagemaker.pytorch.PyTorch"
    script: Path  # the entry point's file, where it exists
    display: str  # the launcher file, as reported
    span: tuple[int, int, int, int]  # the call's name, 1-based, in the launcher file's own text
    via: ScriptLaunch | None = None  # `command="bash run.sh"`: the launch in run.sh that starts `script`
    written: str = ""  # how the launch is written where it is no call: "accelerate launch --config_file c.yaml"
    switched: frozenset[str] = frozenset()  # library switches its hyperparameters turn on (see switches.py)
    aws_image: bool = False  # its image_uri is one of AWS's framework images (`image_uris.retrieve(framework=...)`)


def estimator_calls(text: str, folder: Path, display: str, raw: str | None = None,
                    knowledge: Knowledge | None = None, root: Path | None = None,
                    written: frozenset[Path] = frozenset()) -> list[EstimatorLaunch]:
    """The calls in `text` that pass an `entry_point=` naming a file that exists (beside the
    launcher, or in its `source_dir=`), and the SourceCode calls whose `entry_script=` does, or
    whose `command=` starts one (`knowledge`, the built-in one unless given, tells how; read only
    for a command, as a run from the cache reads none; `root` is the project's). `raw`: the
    file's own text, where `text` is taken from it (a notebook's cells): the call is placed on
    its line there. Each keyword is taken to the call whose parentheses hold it, or that a dict
    holding it is spread into (`args = dict(entry_point=...)`, `PyTorch(**args)`): the work
    follows those, not every call of the file. `written`: scripts that exist though not on disk
    (resolved paths: a notebook's cells write them)."""
    found = []
    cursor = 0  # a notebook's calls come in the file's order: each is looked for after the last
    from_sdk = "sagemaker" in text  # a SourceCode of another library is none of the SDK's
    renamed = _renamed(text)
    assignments = _Assignments(text)
    for entry in _ENTRY_POINT.finditer(text):
        if commented(text, entry.start()) or (entry.group(6) is None and assignments.depth(entry.start()) == 0):
            continue  # a call commented out (a notebook's alternative launch) runs nothing; an assignment is no call
        place = _call_of(text, entry.start(), in_dict=entry.group(6) is not None)
        if place is None:
            continue
        call, arguments = place
        name = renamed.get(call.group(2), call.group(2))
        if (entry.group(1) or entry.group(4)) and (name != _SOURCE_CODE or not from_sdk):
            continue  # `entry_script=` and `command=` of anything but the SDK's SourceCode say nothing
        joined = _CWD_JOINED.search(arguments)  # the working folder joined to a folder: the kernel's or launcher's
        relative = joined.group(1).removeprefix("./") if joined else \
            _source_dir(top_level(arguments), assignments, entry.start())  # not one a call nested in it takes
        started = []
        # The SDK opens the paths from the working folder: the launcher's, or the project's root for
        # a launcher kept in a folder of its own (`python sagemaker/launch.py`, open_lm's)
        for base in dict.fromkeys([folder / relative, (root or folder) / relative]):
            started = started or [s for s in _started(entry, assignments, base, knowledge, root or folder, written) if s is not None]
        if started:
            span, cursor = _span(text, raw, call, cursor)
            switched = _switched(arguments, text, entry.start(), knowledge)
            aws = _retrieved_image(arguments, text[:entry.start()])
            found += [EstimatorLaunch(name, script, display, span, via, switched=switched | (via.switched if via else frozenset()),
                                      aws_image=aws) for script, via in started]
    found += _program_launches(text, folder, display, raw, root or folder, written, renamed, assignments)
    return list(dict.fromkeys(found))


def _program_launches(text: str, folder: Path, display: str, raw: str | None, root: Path, written: frozenset[Path],
                      renamed: dict[str, str], assignments: "_Assignments") -> list[EstimatorLaunch]:
    """The calls given, as `hyperparameters=`, a dict that names the script to run under the
    `sagemaker_program` key: what `entry_point=` would have set."""
    found = []
    for program in _PROGRAM.finditer(text):
        place = None if commented(text, program.start()) else _given_hyperparameters(text, program)
        if place is None:
            continue
        call, arguments = place
        relative = _source_dir(top_level(arguments), assignments, program.start())
        scripts = [base / program.group(2) for base in dict.fromkeys([folder / relative, root / relative])]
        script = next((s for s in scripts if is_file(s) or resolve(s) in written), None)
        if script is None and not relative:
            script = _only_one_below(folder, program.group(2))  # packed beforehand: `sagemaker_submit_directory`
        if script is not None:
            found.append(EstimatorLaunch(renamed.get(call.group(2), call.group(2)), script, display, _span(text, raw, call, 0)[0],
                                         switched=_switched(arguments, text, program.start(), None),
                                         aws_image=_retrieved_image(arguments, text[:program.start()])))
    return found


def _only_one_below(folder: Path, name: str) -> Path | None:
    """The one script of that name below the launcher's folder, if one: which folder the archive the
    toolkit unpacks was packed from is written nowhere sigcheck reads (code/training/ of a pipeline)."""
    from sigcheck.model.listing import list_python_files

    listed = list_python_files(folder)
    found = [path for path in listed if Path(path).name == name] if isinstance(listed, set) else []
    return Path(found[0]) if len(found) == 1 else None


def _given_hyperparameters(text: str, program: re.Match) -> tuple[re.Match, str] | None:
    """The call whose `hyperparameters=` is the dict the key is written in: the display itself,
    or the name the display is assigned to (or the item assigned into) before the call, given as
    it is or to a function that encodes it."""
    name = program.group(1)
    if name is None:
        opening = opening_bracket(text, program.start(), "{}")
        if opening is None:
            return None
        if re.search(r"\bhyperparameters\s*=\s*$", text[max(0, opening - 40):opening]):
            return enclosing_call(text, opening)
        bag = _BAG.search(text, max(0, opening - 200), opening)
        name = bag.group(1) if bag is not None else None
    # given as it is, or through a call (`json_encode_hyperparameters(hp)`, the pipeline examples')
    given = re.compile(r"\bhyperparameters\s*=\s*(?:[A-Za-z_][\w.]*\(\s*)?" + re.escape(name) + r"\b") if name else None
    for use in given.finditer(text, program.end()) if given else ():
        place = None if commented(text, use.start()) else enclosing_call(text, use.start())
        if place is not None:
            return place
    return None


def _switched(arguments: str, text: str, before: int, knowledge: Knowledge | None) -> frozenset[str]:
    """The library switches the call's hyperparameters turn on: a dict written in the call, or
    the one last assigned to the name it is given (`hyperparameters = {...}` before the call).
    The knowledge is read only for a call that passes any: a run from the cache reads none."""
    given = _HYPERPARAMETERS.search(arguments)
    if given is None:
        return frozenset()
    if given.group(2) is None:
        written = arguments_from(arguments, given.end(), "{}" if given.group(1) == "{" else "()")
    else:
        assigned = [m for m in re.finditer(r"^[ \t]*" + re.escape(given.group(2)) + r"\s*(?::[^=\n]+)?=\s*(\{|dict\()",
                                           text[:before], re.M)]
        last = assigned[-1] if assigned else None
        written = arguments_from(text, last.end(), "{}" if last.group(1) == "{" else "()") if last else None
    return switched_by_hyperparameters(written or "", switch_names(knowledge or builtin_knowledge()))


_HYPERPARAMETERS = re.compile(r"\bhyperparameters\s*=\s*(?:(\{|dict\()|([A-Za-z_]\w*))")


def _started(entry: re.Match, assignments: "_Assignments", base: Path, knowledge: Knowledge | None,
             root: Path, written: frozenset[Path]) -> list[tuple[Path, ScriptLaunch | None] | None]:
    """The scripts an `entry_point=`, `entry_script=` or `command=` runs in `base`, where they exist."""
    if entry.group(4) is not None:
        return [command_start(entry.group(5), base, root, knowledge or builtin_knowledge())]
    # a shell script the toolkit runs with /bin/sh (sm-smddp_bert's train.sh): the script it launches
    return [command_start(f"sh {script}", base, root, knowledge or builtin_knowledge(), plain=True) if script.endswith(".sh")
            else (base / script, None) if is_file(base / script) or resolve(base / script) in written else None
            for script in _scripts(entry, assignments)]


def _scripts(entry: re.Match, assignments: "_Assignments") -> list[str]:
    """The script names an entry point is given: the literal, or those the name it is given may
    hold there (`entry_point = "train.py"` on one side of an if, `"launcher.py"` on the other)."""
    if entry.group(3) is None:
        written = entry.group(2) or entry.group(6)
        return _filled(written, assignments, entry.start()) if "{" in written else [written]
    return [value for value in reversed(assignments.held(entry.group(3), entry.start())) if value.endswith(".py")]


def _filled(template: str, assignments: "_Assignments", before: int) -> list[str]:
    """An f-string's script names, each `{NAME}` a literal NAME may hold there (`f"run_{LOSS}.py"`
    after `LOSS = "clm"`: a notebook's setting); none where a name holds no literal."""
    found = [template]
    for name in dict.fromkeys(re.findall(r"\{([A-Za-z_]\w*)\}", template)):
        found = [text.replace("{" + name + "}", value) for text in found for value in assignments.held(name, before)][:8]
    return found


def _retrieved_image(arguments: str, before: str) -> bool:
    """Whether the call's `image_uri=` is an image the SDK looks up among AWS's own, written in
    the call or assigned to the name it passes (`image_uris.retrieve(framework="xgboost", ...)`):
    AWS's framework image, whose toolkit runs the entry point, not a Dockerfile of the project."""
    given = _IMAGE_URI.search(arguments)
    if given is None:
        return False
    if given.group(1) is None:
        return True
    return re.search(rf"^[ \t]*{re.escape(given.group(1))}[ \t]*=[ \t]*{_RETRIEVE}", before, re.M) is not None


def _source_dir(arguments: str, assignments: "_Assignments", before: int) -> str:
    """The folder a `source_dir=` among the arguments names (a literal, or the one its name was
    last assigned before the call); "" for none."""
    found = _SOURCE_DIR.search(arguments)
    if found is None or found.group(2) is None:
        return (found.group(1) or found.group(3)) if found else ""
    return next(iter(assignments.held(found.group(2), before)), "")


class _Assignments:
    """The statements of a launcher's text that assign a string literal to a name, read once per
    name: `entry_point = "train.py"`, not a keyword on a line of its own inside a call."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._by_name: dict[str, list[tuple[int, int, str]]] = {}
        self._lines: list[int] | None = None  # each line's start, and the parentheses open there
        self._open: list[int] = []

    def held(self, name: str, before: int) -> list[str]:
        """The values `name` may hold at `before`, nearest first: the last assignment at the
        indentation of the statement there or less, and those in the blocks since (an if/else)."""
        self._index()
        line = bisect_right(self._lines, before) - 1
        while line > 0 and self._open[line] > 0:  # the statement's first line: a keyword may sit deeper in its call
            line -= 1
        start = self._lines[line]
        indent = len(self.text[start:before]) - len(self.text[start:before].lstrip(" \t"))
        assigned = self._of(name)
        held = []
        for index in range(bisect_right(assigned, (before,)) - 1, -1, -1):
            _, depth, value = assigned[index]
            held.append(value)
            if depth <= indent:
                break
        return list(dict.fromkeys(held))

    def _of(self, name: str) -> list[tuple[int, int, str]]:
        if name not in self._by_name:
            pattern = re.compile(r"^([ \t]*)" + re.escape(name) + r"""\s*(?::[^=\n]+)?=\s*f?['"]([^'"{]+)['"]\s*(?:#.*)?$""", re.M)
            self._by_name[name] = [(m.start(), len(m.group(1)), m.group(2)) for m in pattern.finditer(self.text)
                                   if self.depth(m.start()) == 0]  # not a keyword on a line of its own
        return self._by_name[name]

    def depth(self, at: int) -> int:
        """How many parentheses are open at a place (those in strings counted too)."""
        self._index()
        line = bisect_right(self._lines, at) - 1
        before = self.text[self._lines[line]:at]
        return max(0, self._open[line] + before.count("(") - before.count(")"))

    def _index(self) -> None:
        """Each line's start and the parentheses open there: one pass over the text, made once."""
        if self._lines is None:
            self._lines, self._open, depth = [0], [0], 0
            for mark in re.finditer(r"[()\n]", self.text):
                char = mark.group()
                depth = depth + 1 if char == "(" else max(0, depth - 1) if char == ")" else depth
                if char == "\n":
                    self._lines.append(mark.end())
                    self._open.append(depth)


def _renamed(text: str) -> dict[str, str]:
    """The SDK's classes imported under another name: `from sagemaker.pytorch import PyTorch as
    PyTorchEstimator` calls `PyTorchEstimator(...)`."""
    found = {}
    for imported in _FROM_SDK.finditer(text):
        for name in imported.group(1).strip("()").split(","):
            words = name.split()
            if len(words) == 3 and words[1] == "as":
                found[words[2]] = words[0]
    return found


def _call_of(text: str, at: int, in_dict: bool) -> tuple[re.Match, str] | None:
    """The call that takes the keyword written at `at`, with its arguments: the call whose
    parentheses hold it, or the call a dict of keywords holding it is spread into."""
    opening = opening_bracket(text, at, "{}" if in_dict else "()")
    if opening is None:
        return None
    arguments = arguments_from(text, opening + 1, "{}" if in_dict else "()")
    call = None if in_dict else CALLED.search(text, max(0, opening - NAME_SPAN), opening + 1)
    if arguments is None or (call is None and not in_dict):
        return None
    if call is not None and call.group(1) != "dict":
        return call, arguments
    spread = _spread_into(text, opening)
    return None if spread is None else (spread[0], f"{arguments}, {spread[1]}")


def _spread_into(text: str, opening: int) -> tuple[re.Match, str] | None:
    """The first call given `**name` after the dict display or `dict(` call assigned to `name` at
    `opening`, with its arguments."""
    bag = _BAG.search(text, max(0, opening - 200), opening)
    if bag is None:
        return None
    for spread in re.compile(r"\*\*" + re.escape(bag.group(1)) + r"\b").finditer(text, opening):
        place = None if commented(text, spread.start()) else enclosing_call(text, spread.start())
        if place is not None:
            return place
    return None


def _span(text: str, raw: str | None, match: re.Match, cursor: int) -> tuple[tuple[int, int, int, int], int]:
    """The call's name in the file, and where to look for the next call. In a notebook the cell's
    line is written JSON-quoted in the file: the call is on the first such line after `cursor`."""
    name, offset = match.group(1), match.start()
    if raw is not None:
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        quoted = json.dumps(text[start:end if end >= 0 else len(text)])[1:-1]
        at = raw.find(quoted, cursor)
        while at >= 0 and not _in_code_cell(raw, at):  # a markdown cell's example of the same call
            at = raw.find(quoted, at + 1)
        if at < 0:
            return _place(raw, max(raw.find(name + "(", cursor), 0), name), cursor
        within = len(json.dumps(text[start:offset])) - 2  # the name's place inside the quoted line
        return _place(raw, at + within, name), at + len(quoted)
    return _place(text, offset, name), cursor


_CELL_TYPE = re.compile(r'"cell_type"\s*:\s*"(\w+)"')


def _in_code_cell(raw: str, offset: int) -> bool:
    """Whether a place in a notebook's file lies in a code cell: the last `"cell_type"` before it
    says so (Jupyter writes it first in each cell), or the file names no cell type at all."""
    kinds = [m.group(1) for m in _CELL_TYPE.finditer(raw, max(0, raw.rfind('"cell_type"', 0, offset)), offset)]
    return not kinds or kinds[-1] == "code"


def _place(text: str, offset: int, name: str) -> tuple[int, int, int, int]:
    line = bisect_right(_line_starts(text), offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column, line, column + len(name)


@lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """Where each line of a launcher's text starts: the calls of one file are placed with it."""
    return [0, *(mark.end() for mark in re.finditer("\n", text))]
