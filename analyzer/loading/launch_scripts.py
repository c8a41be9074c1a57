"""Shell scripts of the project that start a training script through a distributed launcher:
`torchrun --nproc_per_node 8 train.py` in `run.sh`. The launcher's deadline (torchrun SIGKILLs
its workers 30 s after forwarding SIGTERM) then holds for that script, whatever its own code
reads; deepspeed on one node passes no signal on, and the platform's deadline holds. A Slurm
batch script (`#SBATCH` lines) that runs a script, itself or through `srun`, puts it under
Slurm's: SIGTERM at a time limit or `scancel`, SIGKILL after KillWait. A command a `bash -c`
string holds counts as written out. A directory run reads them; a script that does not parse
says nothing.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from sigcheck.container.argv import in_its_own_process, launcher_target, program_name, python_call
from sigcheck.container.mpi import rank_signal, runs_command
from sigcheck.container.shell import UNKNOWN_PART, parse_shell
from sigcheck.knowledge import Knowledge
from sigcheck.loading.accelerate_config import named_config, on_sagemaker, runs_one_process
from sigcheck.loading.launcher_signal import keeps_signal, legacy_launcher, says_several_nodes
from sigcheck.loading.sources import LoadError, decode_text, display_path, folders_up, is_file, read_bytes, resolve
from sigcheck.loading.switches import switch_names, switched_by_arguments

_MENTIONS = re.compile(r"\b(?:torchrun|torch\.distributed\.(?:run|launch)|accelerate|deepspeed|colossalai|composer|"
                       r"mpirun|mpiexec|horovodrun|tune run|srun)\b")
_BATCH = re.compile(r"^#SBATCH\b", re.M)  # a Slurm batch script: what it runs, Slurm stops
_PYTHON = re.compile(r"\bpython[\d.]*\b")


@dataclass(frozen=True)
class ScriptLaunch:
    """`launcher` starts `target` at `display:line`; its workers are SIGKILLed `deadline` s after SIGTERM."""

    target: Path  # resolved
    launcher: str
    deadline: int | None  # None: the launcher keeps SIGTERM from the script (deepspeed), the platform's deadline holds
    display: str
    line: int
    sagemaker_config: str | None = None  # `accelerate launch --config_file c.yaml` whose c.yaml runs it on SageMaker
    keeps: bool = False  # the launcher never passes SIGTERM on to the script (deepspeed on one node)
    switched: frozenset[str] = frozenset()  # library switches its arguments turn on (see switches.py)
    shell: Path | None = None  # the shell script it is written in, resolved
    grace: int | None = None  # a Kubernetes manifest's launch: the pod's grace period, the deadline of the platform
    arguments: tuple[str | None, ...] = ()  # the script's own, as the line passes them (None: a word not known)
    # where what keeps SIGTERM is no launcher of the knowledge's (a pod's `sh -c` that runs the trainer
    # without exec): (what keeps it, how, what to do instead)
    kept: tuple[str, str, str] = ()
    paths: tuple[Path, ...] = ()  # the project folders its PYTHONPATH puts on the import path

    @property
    def local(self) -> bool:
        """Whether the launcher runs the script on this machine, with its deadline: accelerate with
        `compute_environment: AMAZON_SAGEMAKER` builds a HuggingFace estimator instead, and the
        script runs in AWS's framework image (script mode)."""
        return self.sagemaker_config is None


Programs = Mapping[str, Path]  # the project's console scripts: name -> the program pip writes (console_scripts.py)


def may_launch(text: str, plain: bool = False, programs: Programs = {}) -> bool:
    """Whether a shell script names a launcher or is a Slurm batch script (with `plain`, or runs
    Python or one of `programs`): the cheap test before any parse."""
    return _MENTIONS.search(text) is not None or _BATCH.search(text) is not None \
        or (plain and (_PYTHON.search(text) is not None or bool(named_programs(text, programs))))


def named_programs(text: str, programs: Programs) -> list[str]:
    """The programs of `programs` a text names as words (`exec mytrain --lr 0.1`)."""
    return [name for name in programs if re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text)]


def launches_in(text: str, path: Path, display: str, root: Path, knowledge: Knowledge, plain: bool = False,
                workdir: Path | None = None, programs: Programs = {}, batch: frozenset[int] | None = None) -> list[ScriptLaunch]:
    """The project's Python scripts this shell script starts through a launcher with a deadline.
    A script path (or `-m` module) is looked for beside the shell script, then at the project root.
    `plain`: a script run by the interpreter itself (`python train.py`) is a launch too, with no
    launcher's deadline: a README that shows it run so says no launcher kills it sooner.
    `workdir`: the folder the commands run in, where it is not the script's own (a SkyPilot task's).
    `programs`: the project's console scripts, run as Python scripts are (`exec mytrain`).
    `batch`: the lines a Slurm batch script holds, where the text is not one (a README's blocks)."""
    return [launch for launch in _launches(text, path, display, root, knowledge, plain, workdir, programs, batch)
            if isinstance(launch, ScriptLaunch)]


def unfound_error(path: Path, root: Path, knowledge: Knowledge) -> LoadError | None:
    """Why a shell script named on the command line gives nothing to analyse, where a launch of it
    starts a script that is no file of the project (a path on the cluster no file's path ends).
    None where it starts none, or cannot be read (said elsewhere)."""
    display = display_path(path)
    try:
        text = decode_text(read_bytes(path, display), display)
    except LoadError:
        return None
    unfound = [launch for launch in _launches(text, path, display, root, knowledge, False) if isinstance(launch, tuple)]
    if not unfound:
        return None
    launcher, script, line = unfound[0]
    return LoadError(display, f"{launcher} starts {script}, which is no file of the project (nor does a file "
                              f"of it end its path): name the training script", line, 1)


def _launches(text: str, path: Path, display: str, root: Path, knowledge: Knowledge, plain: bool,
              workdir: Path | None = None, programs: Programs = {}, batch_lines: frozenset[int] | None = None):
    """Each launch of the shell script: a ScriptLaunch, or (launcher, script, line) where the
    script is not found."""
    if not may_launch(text, plain, programs):
        return
    here = workdir or path.parent
    folder = str(resolve(here))  # where a launch script is run from, as its launches are looked for
    script = _parsed_around_errors(text, display, folder)
    if script is None:
        return
    batch = _BATCH.search(text) is not None
    for command, written in _commands(script, display, path):
        # srun runs in a Slurm allocation wherever it is written (a script run under salloc, or
        # one an sbatch file sources), and a batch script's commands run in one
        slurm = (batch if batch_lines is None else command.span[0] in batch_lines) or (bool(command.words) and command.words[0] is not None and program_name(command.words[0]) == "srun")
        words = _after_srun(written) if slurm else written
        started = _launched(words, knowledge, dict(command.env), programs) \
            or (_run_by_slurm(words, knowledge, programs) if slurm else None) \
            or (_run_plainly(words, knowledge, programs) if plain else None)
        if started is None:
            continue
        launcher, deadline, target, args = started
        bases = [*_moved_to(command.cwd, folder, root), *_bases(here, root)]
        wrapper = next((program for program in programs.values() if str(program) == target), None)
        candidate = wrapper or next((c for c in _files(target, *bases) if is_file(c)), None)
        if candidate is None:
            if None not in words:  # a word not known may be the script (`deepspeed $SCRIPT --epochs 3`)
                yield launcher, target, command.span[0]
            continue
        keeps = keeps_signal(launcher, words, knowledge, says_several_nodes(path, text))
        kept = legacy_launcher(launcher, written, resolve(candidate), root, knowledge)
        if kept is not None:  # `python -m torch.distributed.launch` under torch 1.7: it passes no signal on
            keeps, deadline = True, None
        config = None
        if any(e.option("keeps-in-one-process", False) for e in knowledge.containers["launcher"].find(launcher)):
            # accelerate: on SageMaker, or in one process its simple launcher keeps SIGTERM from the script
            named = named_config(written, here, root)
            config, keeps = on_sagemaker(named), runs_one_process(written, named)
            deadline = None if keeps else deadline
        switched = switched_by_arguments(args, switch_names(knowledge), _bases(here, root))
        yield ScriptLaunch(resolve(candidate), launcher, deadline, display, command.span[0], config,
                           keeps, switched, resolve(path), arguments=tuple(args), kept=kept or (), paths=_python_path(command, root))


def _python_path(command, root: Path) -> tuple[Path, ...]:
    """The project folders a command's PYTHONPATH names: mmseg's tools/dist_train.sh runs
    tools/train.py with `PYTHONPATH="$(dirname $0)/.."`, where its `mmseg_custom` package lies.
    A relative entry is the folder the script is run from, taken to be the project's root."""
    folders = (resolve(root / entry) for entry in command.python_path)
    return tuple(dict.fromkeys(f for f in folders if (f == root or root in f.parents) and f.is_dir()))


def _parsed_around_errors(text: str, display: str, folder: str):
    """The script, read around what bash could not run: bash reports such a line or substitution
    and goes on (a template's `DATA_PATH=<Specify path>`, Megatron-DeepSpeed's examples; a
    `${batch_size*2}`, Qwen2.5-VL's), so the launches after it still run. What does not parse is
    a word not known; a line whose error swallows the next is left out. Of the two readings, the
    one with more commands is taken. A compound command left open (`if` with no `fi`) is a syntax
    error bash runs nothing of: None."""
    try:
        return parse_shell(text, display, {}, None, cwd=folder, folder=folder)
    except LoadError as error:
        if "missing" in error.message:
            return None
        readings = [parse_shell(text, display, {}, None, cwd=folder, folder=folder, tolerant=True)]
        lines = text.split("\n")
        if error.line is not None and 1 <= error.line <= len(lines):
            lines[error.line - 1] = ""
            readings.append(parse_shell("\n".join(lines), display, {}, None, cwd=folder, folder=folder, tolerant=True))
        return max(readings, key=lambda script: len(script.commands))


def _commands(script, display: str, path: Path):
    """Each command with its words, and the commands a `bash -c '...'` of it runs, as its own
    (`srun bash -c 'python -m torch.distributed.run ... train.py'`, Hugging Face's Slurm scripts)."""
    for command in script.commands:
        words = list(command.words)
        yield command, words
        inner = _shell_c(_after_srun(words)) or _evaluated(words) or command.evaluated
        if inner is None:
            continue
        try:  # a backslash-newline inside the quotes continues the line for the inner shell
            nested = parse_shell(inner.replace("\\\n", " "), display, {}, None, folder=str(resolve(path).parent))
        except LoadError:
            continue
        for each in nested.commands:
            yield command, [None if word is not None and UNKNOWN_PART in word else word for word in each.words]


def _evaluated(words: list[str | None]) -> str | None:
    """The command line `eval` runs, where its words are known (`cmd="deepspeed ... train.py"`,
    then `eval $cmd`: DeepSpeedExamples' launch scripts)."""
    if len(words) >= 2 and words[0] == "eval" and all(word is not None for word in words[1:]):
        return " ".join(words[1:])  # type: ignore[arg-type]
    return None


def _shell_c(words: list[str | None]) -> str | None:
    """The command string of `bash -c STRING` (sh, zsh; `-lc` too), where it is written out."""
    if len(words) >= 3 and words[0] is not None and program_name(words[0]) in ("bash", "sh", "zsh") \
            and words[1] is not None and words[1].startswith("-") and words[1].endswith("c"):
        return words[2]
    return None


def command_start(command: str, folder: Path, root: Path, knowledge: Knowledge,
                  plain: bool = False) -> tuple[Path, ScriptLaunch | None] | None:
    """The project's Python script a command line run in `folder` starts (`python train.py`,
    `torchrun ... train.py`), or the one a launcher starts in the shell script it runs (`bash
    run.sh`), with that launch; with `plain`, also one the interpreter itself starts there (see launches_in)."""
    try:
        words: list[str | None] = list(shlex.split(command))
    except ValueError:
        return None
    while words and "=" in (words[0] or "") and not (words[0] or "").startswith("-"):
        words = words[1:]  # `NCCL_DEBUG=INFO python train.py`
    if not words:
        return None
    name = program_name(words[0])
    if knowledge.containers["shell"].find(name):
        script = next((w for w in words[1:] if w and not w.startswith("-")), None)
        return _shell_start(folder / script, root, knowledge, plain) if script and script.endswith(".sh") else None
    if knowledge.containers["interpreter"].find(name):
        call = python_call(words, [])
        target = call.script or call.module
    else:
        started = _launched(words, knowledge)
        target = started[2] if started is not None else None
    found = next((c for c in _files(target, folder, root) if is_file(c)), None) if target else None
    return (resolve(found), None) if found is not None else None


def _shell_start(path: Path, root: Path, knowledge: Knowledge, plain: bool = False) -> tuple[Path, ScriptLaunch] | None:
    if not is_file(path):
        return None
    try:
        text = decode_text(read_bytes(path, display_path(path)), display_path(path))
    except LoadError:
        return None
    launched = launches_in(text, path, display_path(path), root, knowledge, plain)
    return (launched[0].target, launched[0]) if launched else None


def _moved_to(cwd: str, folder: str, root: Path) -> list[Path]:
    """The project folder a `cd` took the script to before a command (`cd src && torchrun
    train.py`), where that is not where it started."""
    moved = Path(cwd)
    return [moved] if cwd != folder and moved.is_absolute() and resolve(root) in moved.parents else []


def _bases(folder: Path, root: Path) -> list[Path]:
    """Where a script a launch script names may be: beside it, then in each folder above it up to
    the project root (DeepSpeed-Chat's `training_scripts/opt/single_node/run_1.3b.sh` is run from
    the folder of the `main.py` it starts), and the root at last."""
    found = list(folders_up(resolve(folder), resolve(root)))
    return found if found[-1] == resolve(root) else [*found, root]


def _files(target: str, *bases: Path) -> list[Path]:
    """Where a script (`train.py`) or a module (`-m torchtitan.train`) may be, in each base. A
    script by an absolute path of the cluster (`/shared/examples/mingpt/main.py`, where the
    repository is checked out there), or by a folder the user is told to fill in (CodeT5's
    `WORKDIR="your_CodeT5_path/CodeT5"`, then `python ${WORKDIR}/run_gen.py`), may be the
    project's file its path ends with: two parts of it at least (`mingpt/main.py`) in any base,
    or its name beside the launch script."""
    if target.endswith(".py") and "/" in target:
        parts = target.strip("/").split("/")
        tails = ["/".join(parts[-count:]) for count in range(len(parts) - 1, 1, -1)]
        written = [Path(target)] if target.startswith("/") else [base / target for base in bases]
        return [*written, *(base / tail for tail in tails for base in bases), *([bases[0] / parts[-1]] if bases else [])]
    if target.endswith(".py"):
        return [base / target for base in bases]
    parts = target.split(".")
    # a module is imported from where the project is installed: in a src layout, from src/
    # (open_clip's `torchrun -m open_clip_train.main` runs src/open_clip_train/main.py)
    return [place for base in bases for folder in (base, base / "src")
            for place in (folder.joinpath(*parts).with_suffix(".py"), folder.joinpath(*parts, "__main__.py"))]


def _run_by_slurm(words: list[str | None], knowledge: Knowledge,
                  programs: Programs = {}) -> tuple[str, int | None, str, tuple] | None:
    """`python train.py` in a Slurm batch script, or under its `srun`: at a time limit or `scancel`,
    Slurm sends SIGTERM to the job's processes, then SIGKILL after KillWait (the platform's)."""
    run = _interpreted(words, knowledge, programs)
    slurm = knowledge.platforms["slurm"]
    return (slurm.label, slurm.deadline, *run) if run else None


def _run_plainly(words: list[str | None], knowledge: Knowledge,
                 programs: Programs = {}) -> tuple[str, int | None, str, tuple] | None:
    """`python train.py`: the interpreter runs the script, and no launcher stands between; or
    `mytrain`, the project's console script (its program runs in the interpreter pip wrote in)."""
    run = _interpreted(words, knowledge, programs)
    return ("python", None, *run) if run else None


def _interpreted(words: list[str | None], knowledge: Knowledge, programs: Programs = {}) -> tuple[str, tuple] | None:
    """The script (or module) and its arguments of an interpreter's command line; or the program
    written for one of the project's console scripts, and its arguments."""
    while words and words[0] is not None and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]  # `OMP_NUM_THREADS=8 python train.py`
    if words and words[0] is not None and program_name(words[0]) in programs:
        return str(programs[program_name(words[0])]), tuple(words[1:])
    if not words or words[0] is None or not knowledge.containers["interpreter"].find(program_name(words[0])):
        return None
    call = python_call(words, [])
    target = call.script or call.module
    return (target, call.args) if target else None


def _after_srun(words: list[str | None]) -> list[str | None]:
    """The command `srun` runs in each task (`srun --ntasks-per-node=8 -N 2 python train.py`);
    srun passes the signals it receives on to the tasks."""
    if not words or words[0] is None or program_name(words[0]) != "srun":
        return words
    index = 1
    while index < len(words) and (words[index] is None or words[index].startswith("-")):
        option = words[index] or ""
        index += 2 if option in _SRUN_VALUE_OPTIONS else 1
    return words[index:]


# srun's options written apart from their value (`-N 2`); `--nodes=2` is one word
_SRUN_VALUE_OPTIONS = frozenset({"-n", "--ntasks", "-N", "--nodes", "-c", "--cpus-per-task", "--gres", "-G", "--gpus",
                                 "--gpus-per-node", "--gpus-per-task", "--ntasks-per-node", "-p", "--partition", "-t",
                                 "--time", "-o", "--output", "-e", "--error", "--mpi", "--export", "-J", "--job-name",
                                 "--mem", "--mem-per-cpu", "--mem-per-gpu", "--cpu-bind", "-m", "--distribution", "-w",
                                 "--nodelist", "-x", "--exclude", "-A", "--account", "-q", "--qos", "-W", "--wait",
                                 "--container-image", "--container-mounts", "--container-workdir", "--container-name",
                                 "--jobid", "-D", "--chdir", "--comment", "-C", "--constraint", "--reservation", "-d",
                                 "--dependency", "--signal", "--mem-bind", "--hint", "--gpu-bind", "--gpu-freq", "--cpu-freq",
                                 "--cpus-per-gpu", "--ntasks-per-core", "--ntasks-per-socket", "--ntasks-per-gpu",
                                 "--cores-per-socket", "--sockets-per-node", "--threads-per-core", "-B", "--extra-node-info",
                                 "--mincpus", "--tmp", "-L", "--licenses", "-M", "--clusters", "--network", "--switches",
                                 "--begin", "--deadline", "--prolog", "--epilog", "--task-prolog", "--task-epilog",
                                 "--profile", "--acctg-freq", "--mail-type", "--mail-user", "--wckey", "--het-group",
                                 "-i", "--input", "-r", "--relative", "-T", "--threads", "--container-env",
                                 "--container-save", "--tres-per-task", "--gres-flags"})


def starts_a_script(words: list[str | None], knowledge: Knowledge) -> bool:
    """Whether the command starts a Python script: through a launcher, or the interpreter's own."""
    return _launched(words, knowledge) is not None or _interpreted(words, knowledge) is not None


def _launched(words: list[str | None], knowledge: Knowledge, env: dict[str, str] | None = None,
              programs: Programs = {}) -> tuple[str, int | None, str, tuple] | None:
    """(launcher, deadline, script, the script's arguments) for `torchrun ... x.py`, `accelerate launch ... x.py`,
    `deepspeed x.py`, `python -m torch.distributed.run ... x.py`. The deadline is None for a
    launcher that never passes SIGTERM on (deepspeed on one node): the platform's holds."""
    # An unquoted variable holding several options (`DISTRIBUTED_ARGS="--nproc_per_node 8 ..."`) is
    # split by the shell: the script reader keeps it as one word.
    words = [part for word in words for part in (word.replace("\\\n", " ").split() if word is not None and word.strip() else [word])]
    while words and words[0] is not None and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]  # `CUDA_VISIBLE_DEVICES=0,1 torchrun ...`
    if not words or words[0] is None:
        return None
    name = program_name(words[0])
    if knowledge.containers["interpreter"].find(name):
        # `python -m torch.distributed.run`, `python -m accelerate.commands.launch`: the launcher itself
        call = python_call(list(words), [])
        entries = knowledge.containers["launcher"].find(call.module) if call.module else []
        if not entries:
            return None
        name = entries[0].patterns[0]
        words = [name, *([entries[0].option("subcommand")] if entries[0].option("subcommand") else []), *call.args]
    entries = knowledge.containers["launcher"].find(name)
    if not entries:
        return None
    if runs_command(entries[0]):  # mpirun, horovodrun: each rank runs the command after the options
        passing = rank_signal(words, knowledge, env=env)
        run = _interpreted(passing.command, knowledge, programs)
        return (name, passing.deadline, *run) if run else None
    # A word sigcheck cannot know is passed over: most are options built from variables
    # (`--nproc_per_node=${NGPU}`); what is taken for the target must then be a project file.
    known = [words[0], *("-?" if w is None else w for w in words[1:])]  # an unknown word reads as an option
    call = launcher_target(known, entries[0].option("value-options", []), entries[0].option("subcommand"))
    target = call.script or call.module
    if target == "-?":
        return None  # `deepspeed --module $training_commands`: which module is not known
    args = tuple(None if word == "-?" else word for word in call.args)
    deadline = None if in_its_own_process(entries[0], words) else entries[0].option("deadline")  # `tune run x.py`
    return (name, deadline, target, args) if target else None
