"""Calls that start the training in a child process: `subprocess` running a training command
(`python` running a script, `torchrun`, a `.py` script, ..., judged by the program, not by any
word), `os.system`, or `multiprocessing.Process` /
`torch.multiprocessing.spawn` with a target that performs a training step.

Found once over the whole project: rules then ask which of them an entry point's run meets.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from sigcheck.container.argv import skip_options
from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.argflow import argument_at, argument_in, parameter_index, receivers
from sigcheck.model.callgraph import CallGraph, Step
from sigcheck.model.commands import joined_words, positional_words, seq_words, split_text
from sigcheck.model.pathvalues import value_text
from sigcheck.model.values import ConstV, ExternalV, SeqV

if TYPE_CHECKING:
    from sigcheck.model.work import WorkFinder
    from sigcheck.model.pathvalues import PathTracker

_COMMAND_APIS = ("subprocess.", "asyncio.", "os.", "commands.")  # run a command line, not a function


@dataclass(frozen=True)
class ChildStart:
    func_id: str
    site: ir.CallSite
    api: str  # the library function called, e.g. "subprocess.Popen"
    runs: str  # "command": a training command line; "target": a function that trains
    shell: bool = False  # the command goes through /bin/sh
    targets: tuple[str, ...] = ()  # "target": the functions run in the child that reach a training step


def find_child_starts(paths: "PathTracker", knowledge: Knowledge, work: "WorkFinder",
                      run_of: Callable[[str], Callable[[str], bool]] | None = None) -> list[ChildStart]:
    """`run_of(body)`: what a program whose module body that is runs (RunView.may_run): a script
    run as a child trains in its own run only."""
    found = []
    for fn in paths.graph.project.functions.values():
        if fn.id not in paths.graph.built:
            continue  # no run reaches it: it starts no child
        for event in fn.events:
            if isinstance(event, ir.CallSite):
                start = _child_start(paths, knowledge, work, fn.id, event, run_of)
                if start is not None:
                    found.append(start)
    return found


def _child_start(paths: "PathTracker", knowledge: Knowledge, work: "WorkFinder", func_id: str,
                 site: ir.CallSite, run_of: Callable[[str], Callable[[str], bool]] | None = None) -> ChildStart | None:
    graph = paths.graph
    ray = tuple(f for f in graph.ray.run_by(site) if f in work.stepping)
    if ray:  # an actor's method or a remote task: a Ray worker process
        return ChildStart(func_id, site, "ray", "target", targets=ray)
    names = [n for n in graph.qualnames(func_id, site) if knowledge.children.find(n)]
    if not names:
        return None
    api = names[0]
    if api.startswith(_COMMAND_APIS):
        command = site.args[0] if site.args else dict(site.kwargs).get("args")
        scripts = _Scripts(graph, func_id, work, run_of)
        argvs = [*(_commands(paths, func_id, site, command) if command is not None else ()),
                 *_word_commands(paths, knowledge, func_id, site, api)]
        if not any(_trains(knowledge, argv, scripts) for argv in argvs):
            return None
        shell = api.startswith(("os.", "commands.")) or _is_true(dict(site.kwargs).get("shell"))
        return ChildStart(func_id, site, api, "command", shell)
    # the function each process runs, where the knowledge of how the call starts it names it
    targets = [argument_in(site, entry.option("target", [])) for entry in knowledge.spawns.find(api)
               if entry.option("kind") == "process"]
    targets = [t for t in targets if t is not None]
    training = tuple(dict.fromkeys(f for target in targets for value in graph.resolver.resolve(target)
                                   for f in graph.functions_of(value) if f in work.stepping))
    return ChildStart(func_id, site, api, "target", targets=training) if training else None


def handing_steps(paths: "PathTracker", knowledge: Knowledge, work: "WorkFinder", child: ChildStart,
                  runs: Callable[[str, ir.Event], bool],
                  run_of: Callable[[str], Callable[[str], bool]] | None = None) -> list[Step]:
    """The calls, outermost first, that hand a shared launcher what makes its child train: the
    command (`run_command(["torchrun", ..., "train.py"])` beside `run_command(["whoami"])`), or
    the Ray method's name (`group.execute_all("fit")` beside `execute_all("init_model")`), from
    a function `runs` accepts. A trace through the launcher's first caller would show another
    call. Empty when what it starts is written at the start, or no caller of this run hands it."""
    if child.runs == "command":
        handed = child.site.args[0] if child.site.args else dict(child.site.kwargs).get("args")

        def trains(caller: str, site: ir.CallSite, argument: ir.Sym) -> bool:
            scripts = _Scripts(paths.graph, caller, work, run_of)
            return any(_trains(knowledge, argv, scripts) for argv in _commands(paths, caller, site, argument))
    elif child.api == "ray" and isinstance(child.site.func, ir.Attr) and isinstance(child.site.func.base, ir.CallOf) \
            and len(child.site.func.base.args) >= 2:  # `getattr(worker, method_name).remote()`
        handed, methods = child.site.func.base.args[1], {paths.graph.project.functions[t].name for t in child.targets}

        def trains(caller: str, site: ir.CallSite, argument: ir.Sym) -> bool:
            return any(isinstance(v, ConstV) and v.value in methods for v in paths.graph.resolver.resolve(argument))
    else:
        return []
    return _handing(paths.graph, child.func_id, handed, runs, trains, set()) or []


def _handing(graph: CallGraph, func_id: str, handed: ir.Sym | None, runs: Callable[[str, ir.Event], bool],
             trains: Callable[[str, ir.CallSite, ir.Sym], bool], seen: set[str]) -> list[Step] | None:
    fn = graph.project.functions[func_id]
    index = parameter_index(fn, handed.name) if isinstance(handed, ir.Name) and handed.scope == func_id else None
    if index is None or func_id in seen:
        return None
    seen.add(func_id)
    for caller, site in _calls_into(graph, func_id):
        argument = _argument_for(graph, site, func_id, index) if runs(caller, site) else None
        if argument is None:
            continue
        step = Step(caller, site.index, func_id, "call")
        outer = _handing(graph, caller, argument, runs, trains, seen)
        if outer is not None:  # the caller hands on its own parameter: its callers say which
            return [*outer, step]
        if trains(caller, site, argument):
            return [step]
    return None


def _calls_into(graph: CallGraph, func_id: str) -> Iterable[tuple[str, ir.CallSite]]:
    """Each call site, in source order, of the functions that call `func_id` (the graph keeps one
    edge per caller)."""
    for caller in sorted({step.caller for step in graph.callers(func_id)}):
        for event in graph.project.functions[caller].events:
            if isinstance(event, ir.CallSite):
                yield caller, event


def _argument_for(graph: CallGraph, site: ir.CallSite, func_id: str, index: int) -> ir.Sym | None:
    """The argument a call passes to parameter `index` of `func_id`, when the call reaches it."""
    fn = graph.project.functions[func_id]
    return next((passed for value in graph.resolver.resolve(site.func)
                 for receiver, bound, _ in receivers(graph.resolver, value) if receiver == func_id
                 if (passed := argument_at(fn, bound, index, site.args, site.kwargs, site.star_args)) is not None), None)


def forwarding_call(graph: CallGraph, knowledge: Knowledge, func_ids: Iterable[str]) -> str | None:
    """The first call in these functions that passes a signal on to a child process
    (`terminate()`, `send_signal()`, `os.kill`, `os.killpg`), by its library name. Telling a Ray
    actor (`actor.save.remote()`) is how a driver passes the stop on to its workers."""
    for func_id in func_ids:
        for event in graph.project.functions[func_id].events:
            if isinstance(event, ir.CallSite):
                if graph.ray.run_by(event):
                    return "ray"
                names = [n for n in graph.qualnames(func_id, event) if knowledge.forwards.find(n)]
                if names:
                    return names[0]
    return None


def events_set(graph: CallGraph, func_ids: Iterable[str]) -> set[tuple[str, str]]:
    """The variables these functions call `.set()` on (a `multiprocessing.Event` a handler
    sets), each as (the scope that binds it, its name)."""
    found = set()
    for func_id in func_ids:
        for event in graph.project.functions[func_id].events:
            if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "set" \
                    and isinstance(event.func.base, ir.Name):
                owner = binding_scope(graph.project, event.func.base)
                if owner is not None:
                    found.add((owner, event.func.base.name))
    return found


def names_passed(project, site: ir.CallSite) -> set[tuple[str, str]]:
    """The variables a call passes, directly or in a tuple or list (`args=(queue, stop)`), each as
    (the scope that binds it, its name)."""
    found = set()
    pending = [*site.args, *(value for _, value in site.kwargs)]
    while pending:
        sym = pending.pop()
        if isinstance(sym, ir.Seq):
            pending.extend(sym.items)
        elif isinstance(sym, ir.Name):
            owner = binding_scope(project, sym)
            if owner is not None:
                found.add((owner, sym.name))
    return found


def binding_scope(project, name: ir.Name) -> str | None:
    """The function whose binding of the name this use reads (a closure reads its parent's)."""
    fn = project.functions.get(name.scope)
    while fn is not None:
        if name.name in fn.globals:
            return project.modules[fn.module].body_id
        if name.name in fn.bindings:
            return fn.id
        fn = project.functions.get(fn.parent) if fn.parent else None
    return None


class _Scripts:
    """Whether a script or module a command runs trains: read from the project when it is there,
    else told by its name (`train.py`, `finetune_llm.py`, `trainer.main`)."""

    def __init__(self, graph: CallGraph, func_id: str, work: "WorkFinder",
                 run_of: Callable[[str], Callable[[str], bool]] | None = None) -> None:
        self.project, self.work, self.run_of = graph.project, work, run_of
        self.folder = Path(graph.project.sources[graph.project.functions[func_id].module].path).parent

    def _runs_training(self, module: str) -> bool:
        """Whether a run of the module meets a training loop or a fit call. Reaching a step is not
        enough: an import can lead to a function that is only handed to a library (NeMo's recipes
        name `pretrain` for a command-line factory), and a server script runs none of it."""
        body = self.project.modules[module].body_id
        runs = self.run_of(body) if self.run_of is not None else None
        return body in self.work.stepping and self.work.first_work(body, runs) is not None

    def trains(self, script: str | None, module: str | None, launched: bool = False) -> bool:
        """`launched`: a distributed launcher starts it, which says it trains where the project
        does not have it to read (its name says nothing more)."""
        if module is not None and module in self.project.modules:
            return self._runs_training(module)
        listing = self.project.python_files()
        for base in (self.folder, self.project.root) if script is not None else ():
            written = base / script
            path = written.resolve()
            if path in self.project.by_path:
                if self.project.by_path[path] is None:
                    break  # a project file that could not be read or parsed (listed in errors): only its name tells
                return self._runs_training(self.project.by_path[path])
            if not isinstance(listing, set) or {os.path.normpath(written), str(path)} & listing:
                return True  # a project script that was not analysed may train
        name = (script or module or "").replace("\\", "/").rsplit("/", 1)[-1]
        copies = self._same_name(name) if script is not None else []
        if copies:  # `/workspace/bert/create_pretraining_data.py`: the project's file, copied into the image
            return any(self._runs_training(m) for m in copies)
        name = name.lower()
        if launched:
            return True
        return bool(_TRAINING_NAME.search(name)) and not _DATA_NAME.search(name)  # from elsewhere: only its name tells

    def _same_name(self, name: str) -> list[str]:
        """The analysed project modules whose file has this name, the nearest to the caller's folder."""
        found = [(len(os.path.commonpath([path.parent, self.folder]).split(os.sep)), module)
                 for path, module in self.project.by_path.items() if path.name == name and module is not None]
        nearest = max((shared for shared, _ in found), default=0)
        return [module for shared, module in found if shared == nearest]


_TRAINING_NAME = re.compile(r"train|fine_?tune|sft|dpo|rlhf")
# Names that say the script prepares what training reads: create_pretraining_data.py, download_pretrained.py.
_DATA_NAME = re.compile(r"pretrained|prep|download|convert|tokeni[sz]|dataset|data\.py$")


def _trains(knowledge: Knowledge, argv: list[str | None], scripts: _Scripts) -> bool:
    """Whether a command's program starts the job's work: an interpreter running a script or a
    module (not `-m pip`, `-c`, `--version`), a distributed launcher, or a script run directly.
    Words after the program are its arguments (`which accelerate` runs `which`)."""
    while argv and argv[0] is not None and (argv[0] in _PREFIXES or "=" in argv[0] or argv[0].startswith("-")):
        argv = argv[1:]  # `env A=1 nohup python ...`
    if not argv:
        return False
    program, rest = argv[0], argv[1:]
    if program is None:  # `[python_bin, "train.py"]`, `[sys.executable, "-m", ...]`: an interpreter
        if rest and rest[0] == "-m":
            return _interpreter_trains(knowledge, rest, scripts)
        return bool(rest) and rest[0] is not None and rest[0].endswith(".py") and scripts.trains(rest[0], None)
    name = program.rsplit("/", 1)[-1]
    if not knowledge.training_commands.find(program) and not knowledge.training_commands.find(name):
        return False
    if name in _LAUNCHER_VERBS:
        return bool(rest) and rest[0] == _LAUNCHER_VERBS[name]
    if name == "tune":
        return rest[:1] == ["run"] and _recipe_trains(rest[1:], scripts)
    if name.startswith("python"):
        return _interpreter_trains(knowledge, rest, scripts)
    if name.endswith(".py"):
        return scripts.trains(program, None)
    if name in _COMMAND_LAUNCHERS:
        return _command_launched_trains(knowledge, rest, scripts)
    return _launched_trains(rest, scripts)


def _command_launched_trains(knowledge: Knowledge, rest: list[str | None], scripts: _Scripts) -> bool:
    """Whether the command an MPI launcher runs in each rank trains (`mpirun -np 8 python
    train.py`): the first word after its options that is an interpreter, a launcher or a script
    starts it. It runs any program (`mpirun -np 2 hostname`, an inference server), so with none
    such it trains only if a word sigcheck cannot know may be one."""
    for index, word in enumerate(rest):
        if word is not None and not word.startswith("-") and \
                (knowledge.training_commands.find(word) or knowledge.training_commands.find(word.rsplit("/", 1)[-1])):
            return _trains(knowledge, rest[index:], scripts)
    return any(word is None for word in rest)


def _recipe_trains(rest: list[str | None], scripts: _Scripts) -> bool:
    """`tune run --nproc_per_node 8 lora_finetune_distributed --config c.yaml`: the recipe, the
    first word after the options, by its name (torchtune's own recipes) or read (a .py file)."""
    recipe = next((w for w in skip_options(rest, _TUNE_VALUE_OPTIONS)[:1]), None)
    if recipe is None:
        return True  # named where sigcheck cannot see: taken to train, as a launcher's script is
    if recipe.endswith(".py"):
        return scripts.trains(recipe, None, True)
    return bool(_TRAINING_RECIPE.search(recipe))


def _launched_trains(rest: list[str | None], scripts: _Scripts) -> bool:
    """Whether what a distributed launcher starts in each worker trains (`torchrun --nproc-per-node=8
    train.py`, `deepspeed --module pkg.train`): its script, the first word naming a .py file, or
    its `-m` module, read as any script is. Where neither is written out, it is taken to train.
    A word sigcheck cannot know is passed over: most are options built from a configuration
    (`f"--nproc-per-node={cfg['ngpu']}"`) before the script."""
    for index, word in enumerate(rest):
        if word is None:
            continue
        if word in ("-m", "--module") and index + 1 < len(rest):
            module = rest[index + 1]
            return module is None or module.split(".")[0] in _TOOL_MODULES or scripts.trains(None, module, True)
        if word.endswith(".py") and not word.startswith("-"):
            return scripts.trains(word, None, True)
    return True


def _interpreter_trains(knowledge: Knowledge, rest: list[str | None], scripts: _Scripts) -> bool:
    for index, word in enumerate(rest):
        if word is None:
            return False  # a script sigcheck cannot know (a glob of test files): not claimed to train
        if word == "-m":
            module = rest[index + 1] if index + 1 < len(rest) else None
            if module is None:
                return False
            if knowledge.training_commands.find(module):  # `python -m torch.distributed.run`: a launcher
                return _launched_trains(rest[index + 2:], scripts)
            return module.split(".")[0] not in _TOOL_MODULES and scripts.trains(None, module)
        if word in ("-c", "--version", "-V", "--help", "-h"):
            return False
        if not word.startswith("-"):
            return scripts.trains(word, None)
    return False  # a bare interpreter


_PREFIXES = frozenset({"env", "exec", "nohup", "time", "nice", "stdbuf"})
_LAUNCHER_VERBS = {"accelerate": "launch"}  # `accelerate env`, `accelerate config` are quick
_COMMAND_LAUNCHERS = frozenset({"mpirun", "horovodrun"})  # run any command in each rank, not a Python script
_TUNE_VALUE_OPTIONS = ["--nnodes", "--nproc_per_node", "--nproc-per-node", "--rdzv_endpoint", "--rdzv-endpoint",
                       "--rdzv_backend", "--rdzv-backend", "--master_addr", "--master_port", "--node_rank"]
_TRAINING_RECIPE = re.compile(r"finetune|distill|dpo|ppo|grpo|qat|train", re.IGNORECASE)
_TOOL_MODULES = frozenset({"pip", "venv", "ensurepip", "virtualenv", "pip3", "site", "json", "http", "compileall",
                           "pytest", "unittest"})


def _commands(paths: "PathTracker", func_id: str, site: ir.CallSite, command: ir.Sym) -> Iterable[list[str | None]]:
    """The command lines the call's command may be, each as argv (None for a word sigcheck cannot
    know); a /bin/sh line is cut at `;`, `&&`, `||` and `|` into its commands."""
    text = split_text(paths, command)
    if text is not None:  # `shlex.split(cmd)`: cmd's words
        yield from _commands(paths, func_id, site, text)
        return
    known = False
    for value in paths.graph.resolver.resolve(command):
        if isinstance(value, ConstV) and isinstance(value.value, str):
            known = True
            yield from _shell_commands(value.value)
        elif isinstance(value, SeqV):
            known = True
            yield seq_words(paths, func_id, site.index, command, value.items)
        elif isinstance(value, ExternalV) and value.qualname == "sys.executable":
            known = True
            yield ["python"]
    joined = joined_words(paths, func_id, site.index, command) if not known else None
    if joined is not None:  # `torchrun_args + script_args`
        yield joined
    elif not known:  # `"python train.py " + " ".join(sys.argv[1:])`: the text, with … where unknown
        for possible in paths.value(func_id, command, site.index):
            yield from _shell_commands(value_text(possible))


def _shell_commands(text: str) -> Iterable[list[str | None]]:
    """A command line cut at `;`, `&&`, `||`, `|` and newlines, each as words (`…`, a part sigcheck
    cannot know, is no word of its own)."""
    for part in re.split(r"&&|\|\||[;|\n]", text):
        words = [None if "…" in w else w for w in part.split()]
        if words:
            yield words


def _word_commands(paths: "PathTracker", knowledge: Knowledge, func_id: str, site: ir.CallSite,
                   api: str) -> list[list[str | None]]:
    """The argv of a call that takes one word per positional argument
    (`asyncio.create_subprocess_exec("python", "train.py")`)."""
    for entry in knowledge.commands.find(api):
        position = entry.option("position", 0)
        if entry.option("form") == "words" and (len(site.args) > position or site.unpacked is not None):
            return [positional_words(paths, func_id, site, position)]
    return []


def _is_true(sym) -> bool:
    return isinstance(sym, ir.Const) and bool(sym.value)
