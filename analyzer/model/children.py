"""Calls that start the training in a child process: `subprocess` running a training command
(`python` running a script, `torchrun`, a `.py` script, ..., judged by the program, not by any
word), `os.system`, or `multiprocessing.Process` /
`torch.multiprocessing.spawn` with a target that performs a training step.

Found once over the whole project: rules then ask which of them an entry point's run meets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph
from sigcheck.model.values import ConstV, ExternalV, SeqV

_COMMAND_APIS = ("subprocess.", "asyncio.", "os.", "commands.")  # run a command line, not a function


@dataclass(frozen=True)
class ChildStart:
    func_id: str
    site: ir.CallSite
    api: str  # the library function called, e.g. "subprocess.Popen"
    runs: str  # "command": a training command line; "target": a function that trains
    shell: bool = False  # the command goes through /bin/sh


def find_child_starts(graph: CallGraph, knowledge: Knowledge, stepping: frozenset[str]) -> list[ChildStart]:
    found = []
    for fn in graph.project.functions.values():
        for event in fn.events:
            if isinstance(event, ir.CallSite):
                start = _child_start(graph, knowledge, stepping, fn.id, event)
                if start is not None:
                    found.append(start)
    return found


def _child_start(graph: CallGraph, knowledge: Knowledge, stepping: frozenset[str], func_id: str,
                 site: ir.CallSite) -> ChildStart | None:
    names = [n for n in graph.qualnames(func_id, site) if knowledge.children.find(n)]
    if not names:
        return None
    api = names[0]
    if api.startswith(_COMMAND_APIS):
        command = site.args[0] if site.args else dict(site.kwargs).get("args")
        if command is None or not _runs_training(graph, knowledge, command):
            return None
        shell = api.startswith(("os.", "commands.")) or _is_true(dict(site.kwargs).get("shell"))
        return ChildStart(func_id, site, api, "command", shell)
    targets = [site.args[0]] if ("spawn" in api or "start_processes" in api) and site.args else []
    targets += [v for k, v in site.kwargs if k in ("target", "fn")]
    for target in targets:
        for value in graph.resolver.resolve(target):
            if any(f in stepping for f in graph.functions_of(value)):
                return ChildStart(func_id, site, api, "target")
    return None


def forwarding_call(graph: CallGraph, knowledge: Knowledge, func_ids: Iterable[str]) -> str | None:
    """The first call in these functions that passes a signal on to a child process
    (`terminate()`, `send_signal()`, `os.kill`, `os.killpg`), by its library name."""
    for func_id in func_ids:
        for event in graph.project.functions[func_id].events:
            if isinstance(event, ir.CallSite):
                names = [n for n in graph.qualnames(func_id, event) if knowledge.forwards.find(n)]
                if names:
                    return names[0]
    return None


def _runs_training(graph: CallGraph, knowledge: Knowledge, command: ir.Sym) -> bool:
    return any(_trains(knowledge, argv) for value in graph.resolver.resolve(command) for argv in _commands(value))


def _trains(knowledge: Knowledge, argv: list[str | None]) -> bool:
    """Whether a command's program starts the job's work: an interpreter running a script or a
    module (not `-m pip`, `-c`, `--version`), a distributed launcher, or a script run directly.
    Words after the program are its arguments (`which accelerate` runs `which`)."""
    while argv and argv[0] is not None and (argv[0] in _PREFIXES or "=" in argv[0] or argv[0].startswith("-")):
        argv = argv[1:]  # `env A=1 nohup python ...`
    if not argv:
        return False
    program, rest = argv[0], argv[1:]
    if program is None:  # `[python_bin, "train.py"]`: an unknown program given a script is an interpreter
        return bool(rest) and rest[0] is not None and rest[0].endswith(".py")
    name = program.rsplit("/", 1)[-1]
    if not knowledge.training_commands.find(program) and not knowledge.training_commands.find(name):
        return False
    if name in _LAUNCHER_VERBS:
        return bool(rest) and rest[0] == _LAUNCHER_VERBS[name]
    if program == "sys.executable" or name.startswith("python"):
        return _interpreter_trains(rest)
    return True


def _interpreter_trains(rest: list[str | None]) -> bool:
    for index, word in enumerate(rest):
        if word is None:
            return True  # a script or module sigcheck cannot read
        if word == "-m":
            module = rest[index + 1] if index + 1 < len(rest) else None
            return module is None or module.split(".")[0] not in _TOOL_MODULES
        if word in ("-c", "--version", "-V", "--help", "-h"):
            return False
        if not word.startswith("-"):
            return True  # the script
    return False  # a bare interpreter


_PREFIXES = frozenset({"env", "exec", "nohup", "time", "nice", "stdbuf"})
_LAUNCHER_VERBS = {"accelerate": "launch"}  # `accelerate env`, `accelerate config` are quick
_TOOL_MODULES = frozenset({"pip", "venv", "ensurepip", "virtualenv", "pip3", "site", "json", "http", "compileall",
                           "pytest", "unittest"})


def _commands(value) -> list[list[str | None]]:
    """The command lines a value holds, each as argv (None for a word sigcheck cannot know); a
    /bin/sh line is cut at `;`, `&&`, `||` and `|` into its commands."""
    if isinstance(value, ConstV) and isinstance(value.value, str):
        return [part.split() for part in re.split(r"&&|\|\||[;|\n]", value.value) if part.split()]
    if isinstance(value, SeqV):
        return [[_word(item) for item in value.items]]
    if isinstance(value, ExternalV) and value.qualname == "sys.executable":
        return [["sys.executable"]]
    return []


def _word(value) -> str | None:
    if isinstance(value, ConstV) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ExternalV) and value.qualname == "sys.executable":
        return "sys.executable"
    return None


def _is_true(sym) -> bool:
    return isinstance(sym, ir.Const) and bool(sym.value)
