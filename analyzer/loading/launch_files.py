"""Files that say how the project's scripts are launched: shell and Slurm batch scripts, the shell
blocks of READMEs, SkyPilot task files and Kubernetes manifests.

A shell script's launches (`torchrun --nproc_per_node 8 train.py`, `deepspeed train.py`, `python
train.py`) make their scripts entry points, under the launcher's deadline. A SkyPilot task file
(`sky launch task.yaml`, `sky jobs launch` for spot instances) is YAML whose top-level `run:` is
the shell script run on each node: it is read as one, each command at its line of the file. A
README's blocks only tell how a script is launched where nothing else does.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING

from sigcheck.container.argv import program_name
from sigcheck.container.shell import parse_shell
from sigcheck.container.starters import STOPS, signal_passing
from sigcheck.knowledge import builtin_knowledge
from sigcheck.loading.console_scripts import project_programs
from sigcheck.loading.estimators import EstimatorLaunch
from sigcheck.loading.launch_scripts import ScriptLaunch, launches_in, may_launch, named_programs, starts_a_script
from sigcheck.loading.helm import chart_values, is_template, rendered
from sigcheck.loading.manifests import DEFAULT_GRACE, as_launch_script, container_commands, may_be_manifest
from sigcheck.loading.readmes import batch_lines, shell_blocks
from sigcheck.loading.sources import LoadError, SourceFile, decode_text, display_path, is_file, overlaid, read_bytes, resolve
from sigcheck.model.jobs import is_benchmark, is_test

if TYPE_CHECKING:
    from sigcheck.loading.discovery import Discovery

# A SkyPilot task: a top-level `run:` beside one of the keys only a task has at its top level
# (a GitHub workflow's `run:` is a step's, indented).
_TASK_RUN = re.compile(r"^run[ \t]*:", re.M)
_TASK_KEYS = re.compile(r"^(?:resources|num_nodes|setup|workdir|file_mounts|envs)[ \t]*:", re.M)
_BLOCK = re.compile(r"^run[ \t]*:[ \t]*([|>])[-+0-9]*[ \t]*(?:#.*)?$")
_INLINE = re.compile(r"""^run[ \t]*:[ \t]*(?:"(.*)"|'(.*)'|([^#\s].*?))[ \t]*(?:#.*)?$""")


def scan_shell(found: "Discovery", path: Path, glob_base: Path, exclude, named: bool = False) -> int:
    """A shell script that starts a project script through torchrun, `accelerate launch` or
    deepspeed, a Slurm batch script that runs one, or one that runs it with Python itself: that
    script is a job's entry point (a test's or a benchmark's is not), under the launcher's
    deadline, or, run by Python itself, the platform's (no guess from the code). Returns how many
    launches it holds. `named`: on the command line, where what cannot be read is an error."""
    text = _text(found, path, named)
    if text is None:
        return 0
    # a test's script running Python itself (DLRM's tests/test_with_opts.sh) shows how a test
    # runs, not how the job does; its launcher (torchrun in scripts/tests/train_full.sh) still tells
    plain = named or not is_test(list(Path(relative(path, found.root)).with_suffix("").parts))
    return _take(found, path, text, text, glob_base, exclude, plain=plain)


def scan_yaml(found: "Discovery", path: Path, glob_base: Path, exclude, named: bool = False) -> int:
    """A SkyPilot task file's `run:` commands, as a shell script's, or a Kubernetes manifest's
    containers (see _manifest_launches), read once. Returns how many launches it holds."""
    text = _text(found, path, named)
    if text is None:
        return 0
    commands = task_commands(text)
    if commands is None:
        return _manifest_launches(found, path, text, glob_base, exclude)
    return _take(found, path, commands, text, glob_base, exclude, _task_workdir(text, path.parent, found.root))


_WORKDIR = re.compile(r"""^workdir[ \t]*:[ \t]*(?:"([^"]+)"|'([^']+)'|([^#\s]+))[ \t]*(?:#.*)?$""", re.M)


def _task_workdir(text: str, folder: Path, root: Path) -> Path:
    """Where a task's commands run: its `workdir:`, synced to the cluster from where `sky launch`
    runs (`workdir: ./resnet_ddp`, from the task file's folder or the project's root); the root
    where it names none, or names a folder neither holds."""
    written = _WORKDIR.search(text)
    relative = next((g for g in written.groups() if g), None) if written else None
    if relative is None:
        return root
    return next((base / relative for base in (folder, root) if (base / relative).is_dir()), root)


def task_commands(text: str) -> str | None:
    """The shell script a SkyPilot task's top-level `run:` holds, each line at its line of the
    file (the others blank); None for YAML that is no such task. A folded block (`run: >`) is one
    command line, as YAML folds it."""
    if _TASK_RUN.search(text) is None or _TASK_KEYS.search(text) is None:
        return None
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if _TASK_RUN.match(line))
    kept = [""] * len(lines)
    block = _BLOCK.match(lines[start])
    if block is None:
        inline = _INLINE.match(lines[start])
        kept[start] = next((g for g in inline.groups() if g is not None), "") if inline else ""
        return "\n".join(kept) + "\n"
    body = _block_lines(lines, start + 1)
    indent = min((len(lines[i]) - len(lines[i].lstrip()) for i in body if lines[i].strip()), default=0)
    for number, i in enumerate(body):
        kept[i] = lines[i][indent:]
        if block.group(1) == ">" and number < len(body) - 1 and kept[i].strip():
            kept[i] += " \\"  # folded: the lines are one command
    return "\n".join(kept) + "\n"


def _block_lines(lines: list[str], first: int) -> list[int]:
    """The indexes of a block scalar's lines: indented ones and blank ones between them."""
    body: list[int] = []
    for i in range(first, len(lines)):
        if lines[i].strip() and not lines[i][0].isspace():
            break
        body.append(i)
    while body and not lines[body[-1]].strip():
        body.pop()
    return body


# The Markdown files that tell how to launch the project's training: READMEs, and the guides
# beside them (ConvNeXt-V2's TRAINING.md, GETTING_STARTED.md)
_LAUNCH_DOCS = re.compile(r"(?:readme|train(?:ing)?|getting[_-]?started|get[_-]?started|quick[_-]?start)[\w.-]*\.md", re.I)


def is_launch_doc(name: str) -> bool:
    return _LAUNCH_DOCS.fullmatch(name) is not None


def scan_readme(found: "Discovery", path: Path) -> None:
    """The launches a README's shell code blocks show (`accelerate launch --config_file zero3.yaml
    src/open_r1/grpo.py`, or `python finetune.py` with no launcher): how the project says its
    scripts run, where no script of its own runs them. They tell a script's launcher and deadline,
    and whether that launcher keeps the signal from it (DKR007 then placed on the README's line):
    no entry point comes from a README."""
    try:
        text = decode_text(read_bytes(path, display_path(path)), display_path(path))
    except LoadError:
        return
    blocks = shell_blocks(text)
    if may_launch(blocks, plain=True):
        found.documented += [launch for launch in launches_in(blocks, path, display_path(path), found.root, builtin_knowledge(),
                                                              plain=True, batch=batch_lines(text)) if launch.local]


def relative(path: Path, base: Path) -> str:
    try:
        return resolve(path).relative_to(resolve(base)).as_posix()
    except ValueError:
        return path.as_posix()


def _text(found: "Discovery", path: Path, named: bool) -> str | None:
    try:
        text = overlaid(path, display_path(path), found.overlays)
        return decode_text(read_bytes(path, display_path(path)), display_path(path)) if text is None else text
    except LoadError as error:
        if named:
            found.errors.append(error)
        return None  # found in a folder, not the user's input: a file sigcheck cannot read says nothing


def _manifest_launches(found: "Discovery", path: Path, text: str, glob_base: Path, exclude) -> int:
    """A Kubernetes manifest's containers whose command runs a project script: launches of it
    under the pod's grace period (see manifests.py)."""
    if may_be_manifest(text) and is_template(text):  # a Helm chart's template: read as it renders
        text = rendered(text, chart_values(path, found.root))
    commands = container_commands(text) if may_be_manifest(text) else []
    if not commands:
        return 0
    script = as_launch_script(commands, text.count("\n") + 1)
    if not may_launch(script, plain=True):
        return 0
    knowledge = builtin_knowledge()
    grace = {command.line: command.grace for command in commands}
    kept = {command.line: why for command in commands if (why := _pod_shell_keeps(command.words, knowledge))}
    launches = [replace(launch, grace=grace.get(launch.line, DEFAULT_GRACE))
                for launch in launches_in(script, path, display_path(path), found.root, knowledge, plain=True,
                                          workdir=found.root)]
    launches = [replace(launch, keeps=True, kept=kept[launch.line], deadline=None) if launch.line in kept else launch
                for launch in launches]
    return _record(found, path, launches, text, glob_base, exclude)


def _pod_shell_keeps(words: tuple[str, ...], knowledge) -> tuple[str, str, str] | None:
    """How a container command `sh -c '...'` keeps SIGTERM from the script it starts: the shell is
    the pod's PID 1, and unless it runs that command in its place (`exec`, or bash's last simple
    command) it waits for it, ignoring the signal (no trap of its own)."""
    name = program_name(words[0]) if words else ""
    if len(words) < 3 or words[1] != "-c" or not knowledge.containers["shell"].find(name):
        return None
    try:
        script = parse_shell(words[2], "", {}, None)
    except LoadError:
        return None
    starts = [c for c in script.commands if c.function is None and starts_a_script(list(c.words), knowledge)]
    if not starts:
        return None
    if signal_passing(script, starts[-1], name)[0] != STOPS:
        return None
    return (f"`{name} -c`", f"is the pod's PID 1 and runs `{starts[-1].text}` as its child, keeping SIGTERM",
            "`exec` it in the string, or make it the container's command")


def _take(found: "Discovery", path: Path, commands: str, text: str, glob_base: Path, exclude,
          workdir: Path | None = None, plain: bool = True) -> int:
    """The launches of `commands` (the shell script, or the one a file holds), `text` the file's,
    run in `workdir` (else the file's folder); with `plain`, by Python itself too, and the
    project's console scripts as their programs (`exec mytrain --lr 0.1`)."""
    programs = _programs(found, commands) if plain else {}
    if not may_launch(commands, plain=plain, programs=programs):
        return 0  # one that names no launcher and runs no Python: the knowledge is not read for it (nor from the cache)
    launches = launches_in(commands, path, display_path(path), found.root, builtin_knowledge(), plain=plain,
                           workdir=workdir, programs=programs)
    return _record(found, path, launches, text, glob_base, exclude)


def _programs(found: "Discovery", commands: str) -> dict[str, Path]:
    """The project's console scripts the commands name: name -> the program pip writes for it.
    The project files are read once a run, and only for commands that name a word of theirs."""
    if found.declared is None:
        found.declared = project_programs(found.root, lambda file: _text(found, file, False))
    return {name: found.declared[name][0] for name in named_programs(commands, found.declared)}


def _record(found: "Discovery", path: Path, launches: list[ScriptLaunch], text: str, glob_base: Path, exclude) -> int:
    for launch in launches:
        _take_program(found, launch.target)
        found.launches.append(launch)
        if not launch.local:  # accelerate's SageMaker launcher: a HuggingFace estimator runs the script
            found.estimators.append(_accelerate_estimator(launch, text))
        if not launch.local or launch.keeps:  # a finding may be placed on the launch line
            found.launchers[launch.display] = SourceFile(resolve(path), launch.display, text)
        shown = relative(launch.target, found.root if glob_base is None else glob_base)
        parts = list(Path(shown).with_suffix("").parts)
        if not is_test(parts) and not is_benchmark(parts[-1]) and not any(fnmatch(shown, p) for p in exclude):
            declared = _declaration(found, launch.target)
            reason = f"started by {launch.launcher} in {launch.display}:{launch.line}"
            if declared is None:
                found.add(launch.target, reason)
            else:  # the declaration is in the reason: the run cache's key changes with it
                found.add(launch.target, f"{reason}: the console script `{declared.name}` ({declared.module}:"
                                         f"{declared.attribute})", display_path(declared.declared_in))
            found.loaded += named_in_arguments(launch, found.root)
    return len(launches)


def _declaration(found: "Discovery", target: Path):
    """The console script whose program `target` is, if it is one."""
    return next((script for program, script in (found.declared or {}).values() if resolve(program) == target), None)


def _take_program(found: "Discovery", target: Path) -> None:
    """A launch of a console script reads the program pip writes for it (no file of the project)."""
    script = _declaration(found, target)
    if script is not None:
        found.texts.setdefault(target, script.wrapper())
        found.programs.setdefault(script.name, target)


def named_in_arguments(launch: ScriptLaunch, root: Path) -> list[tuple[Path, str]]:
    """The project scripts a plain `python launcher.py ... ./train.py` names among its arguments,
    which the launcher may run as its child (model/launch_arguments.py): read with the entry
    points, so that whether the child trains is read from it."""
    if launch.launcher != "python":
        return []
    found = []
    for word in launch.arguments:
        if word is None or not word.endswith(".py") or word.startswith("-"):
            continue
        for base in (launch.target.parent, root):
            candidate = resolve(base / word)
            if root in candidate.parents and is_file(candidate):
                found.append((candidate, display_path(candidate)))
                break
    return found


def _accelerate_estimator(launch: ScriptLaunch, text: str) -> EstimatorLaunch:
    """accelerate's SageMaker launcher builds a HuggingFace estimator for the script: placed on `accelerate`."""
    lines = text.splitlines()
    column = max(lines[launch.line - 1].find("accelerate"), 0) + 1 if launch.line <= len(lines) else 1
    return EstimatorLaunch("HuggingFace", launch.target, launch.display, (launch.line, column, launch.line, column + 10),
                           written=f"accelerate launch with {launch.sagemaker_config} (compute_environment: AMAZON_SAGEMAKER)")
