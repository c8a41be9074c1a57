"""Whether a command line a call runs trains: its program (an interpreter, a distributed
launcher, an MPI launcher, torchtune's `tune run`, a script run directly) and what that program
starts, read from the project where the script or module is there, else told by its name.
The child-process model (children.py) asks it for each command a call runs (SIG010).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sigcheck.container.argv import skip_options
from sigcheck.knowledge import Knowledge
from sigcheck.model.callgraph import CallGraph
from sigcheck.model.launch_arguments import OneOfScripts
from sigcheck.model.runs import command_runs

if TYPE_CHECKING:
    from sigcheck.model.runs import CommandRun, RunView
    from sigcheck.model.work import WorkFinder


class Scripts:
    """Whether a script or module a command runs trains: read from the project when it is there,
    else told by its name (`train.py`, `finetune_llm.py`, `trainer.main`)."""

    def __init__(self, graph: CallGraph, func_id: str, work: "WorkFinder",
                 run_of: "Callable[[str], RunView] | None" = None, cwd: tuple[str, ...] = ()) -> None:
        """`cwd`: the folders the call runs the command in (`cwd="training/step1"`), as written."""
        self.graph, self.project, self.work, self.run_of = graph, graph.project, work, run_of
        self.folder = Path(graph.project.sources[graph.project.functions[func_id].module].path).parent
        # a relative `cwd=` is the launcher's working folder's: its own, or the root it is run from
        self.bases = [*dict.fromkeys(base / folder for folder in cwd for base in (self.folder, self.project.root)),
                      self.folder, self.project.root]

    def _runs_training(self, module: str, words: list[str | None] | None = None) -> bool:
        """Whether a run of the module meets a training loop or a fit call. Reaching a step is not
        enough: an import can lead to a function that is only handed to a library (NeMo's recipes
        name `pretrain` for a command-line factory), and a server script runs none of it. With the
        command line's `words`, where the module runs one of several commands (a click group), the
        command they name (`axolotl preprocess` trains nothing; triage BW)."""
        body = self.project.modules[module].body_id
        view = self.run_of(body) if self.run_of is not None else None
        if body not in self.work.stepping or self.work.first_work(body, view.runs_a_passer if view else None) is None:
            return False
        named = _named_command(self.graph, command_runs(view), words) if view is not None and words else None
        return named is None or any(self.work.first_work(command, named.__contains__) is not None for command in named.command)

    def command_trains(self, module: str, words: list[str | None]) -> bool:
        """Whether the project's console script trains, run with these words."""
        return self._runs_training(module, words)

    def trains(self, script: str | None, module: str | None, launched: bool = False) -> bool:
        """`launched`: a distributed launcher starts it, which says it trains where the project
        does not have it to read (its name says nothing more)."""
        if isinstance(script, OneOfScripts):  # a script the launch lines name, each its own
            return any(self.trains(option, None, launched) for option in script.options)
        if module is not None and module in self.project.modules:
            return self._runs_training(module)
        listing = self.project.python_files()
        for base in self.bases if script is not None else ():
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

    def shell_trains(self, script: str) -> bool:
        """Whether a shell script of the project (in the folder the command runs in, beside the
        caller, or from the root) launches a script that trains: DeepSpeed-Chat's e2e_rlhf.py runs
        `bash training_scripts/opt/single_node/run_1.3b.sh` in step 1's folder, which runs
        `deepspeed main.py`. A path whose start is not known (`os.path.join(os.getcwd(), ...)`) is
        the script whose path ends as it does."""
        if script.startswith(UNKNOWN):
            tail = script[len(UNKNOWN):]
            found = [started for path, started in self.project.shell_starts.items() if path.as_posix().endswith(tail)]
            return any(self._runs_training(module) for started in found for module in map(self.project.by_path.get, started)
                       if module is not None)
        for base in self.bases:
            started = self.project.shell_starts.get((base / script).resolve())
            if started is not None:
                return any(module is not None and self._runs_training(module)
                           for module in map(self.project.by_path.get, started))
        return False

    def _same_name(self, name: str) -> list[str]:
        """The analysed project modules whose file has this name, the nearest to the caller's folder."""
        found = [(len(os.path.commonpath([path.parent, self.folder]).split(os.sep)), module)
                 for path, module in self.project.by_path.items() if path.name == name and module is not None]
        nearest = max((shared for shared, _ in found), default=0)
        return [module for shared, module in found if shared == nearest]


def _named_command(graph: CallGraph, runs: "list[CommandRun]", words: list[str | None]) -> "CommandRun | None":
    """The run of the command the first word that is no option names, where one of the runs'
    commands has that name (its function's, `_` written `-` as click and Typer do)."""
    word = next((w for w in words if w is None or not w.startswith("-")), None)
    if word is None:
        return None
    for run in runs:
        names = {name for f in run.command for name in _command_names(graph, f)}
        if word in names:
            return run
    return None


def _command_names(graph: CallGraph, func_id: str) -> set[str]:
    told = graph.command_name(func_id)
    own = graph.project.functions[func_id].name
    return {n for n in (told, own, own.replace("_", "-")) if n}


UNKNOWN = "…"  # a path word whose start sigcheck cannot know: "…/run_1.3b.sh" (see children._shell_commands)
_TRAINING_NAME = re.compile(r"train|fine_?tune|sft|dpo|rlhf")
# Names that say the script prepares what training reads: create_pretraining_data.py, download_pretrained.py.
_DATA_NAME = re.compile(r"pretrained|prep|download|convert|tokeni[sz]|dataset|data\.py$")


def command_trains(knowledge: Knowledge, argv: list[str | None], scripts: Scripts) -> bool:
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
    if name in scripts.project.programs:  # the project's console script: the function its program calls
        return scripts.command_trains(scripts.project.programs[name], rest)
    if knowledge.containers["shell"].find(name) or name.endswith(".sh"):  # `bash run.sh`, `./run.sh`: what it launches
        script = program if name.endswith(".sh") else next((w for w in rest if w is None or not w.startswith("-")), None)
        return script is not None and script.endswith(".sh") and scripts.shell_trains(script)
    entries = knowledge.training_commands.find(program) or knowledge.training_commands.find(name)
    if not entries:
        return False
    verbs, unless = entries[0].option("verbs"), entries[0].option("unless")
    if verbs is not None or unless is not None:  # a program that trains by itself (`lightgbm config=train.conf`)
        told = verbs is None or (bool(rest) and rest[0] in verbs)
        return told and not set(unless or ()) & {word for word in rest if word}
    if name in _LAUNCHER_VERBS:
        return bool(rest) and rest[0] == _LAUNCHER_VERBS[name]
    if name == "tune":
        return rest[:1] == ["run"] and _recipe_trains(rest[1:], scripts)
    if name.startswith("python"):
        return _interpreter_trains(knowledge, rest, scripts)
    if name.endswith(".py"):
        return scripts.trains(program, None)
    if name in _COMMAND_LAUNCHERS:
        return _command_launched_trains(knowledge, _ranks_command(knowledge, name, rest), scripts)
    return _launched_trains(rest, scripts)


def _command_launched_trains(knowledge: Knowledge, rest: list[str | None], scripts: Scripts) -> bool:
    """Whether the command an MPI launcher runs in each rank trains (`mpirun -np 8 python
    train.py`): the first word after its options that is an interpreter, a launcher or a script
    starts it. It runs any program (`mpirun -np 2 hostname`, an inference server), so with none
    such it trains only if its program is a word sigcheck cannot know (`rest` starts with it,
    where the launcher's options are known: see _ranks_command)."""
    for index, word in enumerate(rest):
        if word is not None and not word.startswith("-") and \
                (knowledge.training_commands.find(word) or knowledge.training_commands.find(word.rsplit("/", 1)[-1])):
            return command_trains(knowledge, rest[index:], scripts)
    program = next((word for word in rest if word is None or not word.startswith("-")), "")
    return program is None


def _ranks_command(knowledge: Knowledge, name: str, rest: list[str | None]) -> list[str | None]:
    """The command an MPI launcher runs, its own options and their values left out, as any of its
    implementations reads them: `mpirun -np {n} -hostfile {h} pm_dglpart3 ...` runs the
    partitioner, whatever `-np`'s value is (dgl's parmetis_wrapper.py, triage CZ)."""
    entries = knowledge.containers["launcher"].find(name)
    values = [option for e in entries for option in e.option("value-options", [])]
    pairs = [option for e in entries for option in e.option("pair-options", [])]
    return skip_options(rest, values, pairs=pairs) if values else rest


def _recipe_trains(rest: list[str | None], scripts: Scripts) -> bool:
    """`tune run --nproc_per_node 8 lora_finetune_distributed --config c.yaml`: the recipe, the
    first word after the options, by its name (torchtune's own recipes) or read (a .py file)."""
    recipe = next((w for w in skip_options(rest, _TUNE_VALUE_OPTIONS)[:1]), None)
    if recipe is None:
        return True  # named where sigcheck cannot see: taken to train, as a launcher's script is
    if recipe.endswith(".py"):
        return scripts.trains(recipe, None, True)
    return bool(_TRAINING_RECIPE.search(recipe))


def _launched_trains(rest: list[str | None], scripts: Scripts) -> bool:
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


def _interpreter_trains(knowledge: Knowledge, rest: list[str | None], scripts: Scripts) -> bool:
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
_COMMAND_LAUNCHERS = frozenset({"mpirun", "mpiexec", "horovodrun"})  # run any command in each rank, not a Python script
_TUNE_VALUE_OPTIONS = ["--nnodes", "--nproc_per_node", "--nproc-per-node", "--rdzv_endpoint", "--rdzv-endpoint",
                       "--rdzv_backend", "--rdzv-backend", "--master_addr", "--master-addr", "--master_port",
                       "--master-port", "--node_rank", "--node-rank", "--rdzv_id", "--rdzv-id", "--max_restarts",
                       "--max-restarts", "--rdzv_conf", "--rdzv-conf"]
_TRAINING_RECIPE = re.compile(r"finetune|distill|dpo|ppo|grpo|qat|train", re.IGNORECASE)
_TOOL_MODULES = frozenset({"pip", "venv", "ensurepip", "virtualenv", "pip3", "site", "json", "http", "compileall",
                           "pytest", "unittest"})
