"""Calls that start the training in a child process: `subprocess` running a training command
(`python`, `torchrun`, a `.py` script, ...), `os.system`, or `multiprocessing.Process` /
`torch.multiprocessing.spawn` with a target that performs a training step.

Found once over the whole project: rules then ask which of them an entry point's run meets.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
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
    patterns = [p for entry in knowledge.training_commands for p in entry.patterns]
    return any(fnmatchcase(word, p) for value in graph.resolver.resolve(command) for word in _words(value)
               for p in patterns)


def _words(value) -> list[str]:
    if isinstance(value, ConstV) and isinstance(value.value, str):
        return value.value.split()
    if isinstance(value, SeqV):
        return [w for item in value.items for w in _words(item)]
    if isinstance(value, ExternalV) and value.qualname == "sys.executable":
        return ["sys.executable"]
    return []


def _is_true(sym) -> bool:
    return isinstance(sym, ir.Const) and bool(sym.value)
