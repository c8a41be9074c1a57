"""The values a script's positional command-line arguments take where the project's own shell
scripts launch it: `python ./multiproc.py --nproc_per_node 8 ./launch.py --epochs 90` makes
multiproc.py's `args.training_script` "./launch.py", the script its Popen runs (NVIDIA's
DeepLearningExamples start their trainers through such argv launchers).

Only positional arguments are bound: they have no default, so without the launch line nothing
is known of them. An option keeps its default (pathvalues.py), whatever a launch line passes.
The line is read as argparse would read it, with the script's own `add_argument` calls: its
options (which take a value, which do not), then its positionals in order, `nargs=REMAINDER`
taking the rest. A line with an option the script does not declare, or a word sigcheck cannot
know where an option would be, binds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sigcheck.model import ir

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel

Argv = tuple[str | None, ...]


class OneOfScripts(str):
    """A word the launch lines give different values (`./launch.py` on the training lines,
    `./classify.py` on others): it reads as the first, and a question of whether the command
    trains asks each (training_commands.Scripts)."""

    options: tuple[str, ...] = ()

    def __new__(cls, options: tuple[str, ...]) -> "OneOfScripts":
        word = super().__new__(cls, options[0])
        word.options = options
        return word
_NO_VALUE = frozenset({"store_true", "store_false", "store_const", "count", "help", "version", "append_const"})
_REST = ("...", "A...", "*", "+")  # argparse.REMAINDER is "...", PARSER "A..."


@dataclass
class ArgvSpec:
    """A module's command line as its `add_argument` calls declare it."""

    takes_value: dict[str, bool] = field(default_factory=dict)  # option flag -> whether a value follows it
    positionals: list[tuple[str, str | None]] = field(default_factory=list)  # (dest, nargs) in order

    def bind(self, argv: Argv) -> dict[str, str | None] | None:
        """Each positional's value on this line (None: not known); None if the line cannot be read.
        Once the positionals before a `nargs=REMAINDER` one are filled, the rest is its own,
        options of the script it launches included."""
        rest = next((i for i, (_, nargs) in enumerate(self.positionals) if nargs in _REST), None)
        words: list[str | None] = []
        index = 0
        while index < len(argv) and (rest is None or len(words) < rest):
            word = argv[index]
            if word is None:
                return None  # `$EXTRA_ARGS`: options or positionals, which is not known
            if not word.startswith("-") or word == "-":
                words.append(word)
                index += 1
                continue
            flag = word.split("=", 1)[0]
            if flag not in self.takes_value:
                return None  # an option it does not declare: where its value ends is not known
            index += 2 if self.takes_value[flag] and "=" not in word else 1
        return {dest: words[position] for position, (dest, nargs) in enumerate(self.positionals)
                if position < len(words) and nargs not in _REST and (rest is None or position < rest)}


def argv_spec(fn: ir.FunctionInfo, spec: ArgvSpec) -> None:
    """Add the `add_argument` calls of one function to the module's spec."""
    for event in fn.events:
        if not (isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "add_argument"):
            continue
        flags = [a.value for a in event.args if isinstance(a, ir.Const) and isinstance(a.value, str)]
        if not flags:
            continue
        keywords = dict(event.kwargs)
        action, nargs = _text(keywords.get("action")), _nargs(keywords.get("nargs"))
        if flags[0].startswith("-"):
            for flag in flags:
                spec.takes_value[flag] = action not in _NO_VALUE and nargs != "0"
        else:
            dest = _text(keywords.get("dest")) or flags[0]
            spec.positionals.append((dest, nargs))


def _text(sym: ir.Sym | None) -> str | None:
    return sym.value if isinstance(sym, ir.Const) and isinstance(sym.value, str) else None


def _nargs(sym: ir.Sym | None) -> str | None:
    """`nargs="*"`, `nargs=argparse.REMAINDER` (or `REMAINDER` imported from argparse), `nargs=2`."""
    if isinstance(sym, ir.Const):
        return str(sym.value)
    name = sym.attr if isinstance(sym, ir.Attr) else sym.name if isinstance(sym, ir.Name) else None
    return "..." if name == "REMAINDER" else None


class LaunchArguments:
    """The positional arguments the project's launch lines give each script."""

    def __init__(self, project: "ProjectModel") -> None:
        self.project = project
        self._bound: dict[str, list[tuple[str, str | None]]] | None = None  # dest -> (module, value) per launch

    def values(self, dest: str) -> list[tuple[str, str | None]]:
        """(the module declaring it, its value) for each launch line that binds the positional."""
        if self._bound is None:
            self._bound = self._all_bound()
        return self._bound.get(dest, [])

    def _all_bound(self) -> dict[str, list[tuple[str, str | None]]]:
        bound: dict[str, list[tuple[str, str | None]]] = {}
        for path, lines in sorted(self.project.launch_arguments.items()):
            module = self.project.by_path.get(Path(path))
            if module is None:
                continue
            spec = ArgvSpec()
            for fn in self.project.modules[module].functions.values():
                argv_spec(fn, spec)
            if not spec.positionals:
                continue
            for argv in lines:
                for dest, value in (spec.bind(argv) or {}).items():
                    if (module, value) not in bound.get(dest, []):
                        bound.setdefault(dest, []).append((module, value))
        return bound
