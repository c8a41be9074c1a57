"""Which command of an entry script starts the trainer, and how the stop signal gets past the
shell to it: the next program `exec`s in its place, the script forwards it from a TERM trap and
waits, or the signal stops at the shell (chain.py asks, script by script).
"""

from __future__ import annotations

from sigcheck.container.argv import PythonCall, program_name, python_call
from sigcheck.container.shell import UNKNOWN_PART, ShellCommand, ShellScript, parse_shell
from sigcheck.loading.sources import LoadError

# How a step passes the stop signal to the step after it.
REPLACED = "exec"  # the next program replaces it in the same process
FORWARDS = "forwards"  # it sends the signal on (init, launcher, trap)
STOPS = "never"  # the next program never hears of it


def starting_command(script: ShellScript, starts, execs_program) -> ShellCommand | None:
    """The command that starts the trainer: an `exec`'d one first (it ends the script), else the
    last; of either, one that names training first (`if [ $1 == train ]; then train; else serve; fi`)."""
    candidates = [c for c in script.commands if starts(c)]
    execs = [c for c in script.commands if c.exec and (starts(c) or execs_program(c))]
    if execs:
        return (_naming_training(execs) or execs)[0]
    return (_naming_training(candidates) or candidates)[-1] if candidates else None


def _naming_training(commands: list[ShellCommand]) -> list[ShellCommand]:
    """Those whose line names training, before those whose words do once expanded: `eval "$@"` given
    SageMaker's `train` is the other branch of the DLC's `if [[ "$1" = "train" ]]; then ... train`."""
    written = [c for c in commands if "train" in c.text]
    return written or [c for c in commands if any("train" in (w or "") for w in c.words)]


def signal_passing(script: ShellScript, command: ShellCommand, shell: str = "") -> tuple[str, str]:
    """How the signal gets from the script's shell to the command. `shell`: the program running a
    `-c` string (bash runs its last simple command in its own place, see last_in_its_place)."""
    if command.exec and not command.pipeline:
        return REPLACED, "exec replaces the shell with it"
    if shell == "bash" and last_in_its_place(script, command):
        return REPLACED, "bash runs the string's last command in its place, as exec would"
    trap = script.term_trap()
    if command.background:
        if trap is not None and trap.forwards and script.waits_after(command):
            return FORWARDS, f"started in the background; the TERM trap (line {trap.line}) forwards the signal and the script waits"
        if trap is None:
            return STOPS, "started in the background, and no trap forwards TERM to it"
        return STOPS, "started in the background, but the TERM trap does not kill it or the script does not wait"
    if trap is not None:
        return STOPS, f"run without exec; the shell runs its TERM trap (line {trap.line}) only after the command ends"
    return STOPS, "run without exec: the shell keeps the signal and the trainer never receives it"


def python_run_first(script: ShellScript, start: ShellCommand | None, knowledge) -> list[tuple[PythonCall, str]]:
    """The Python scripts a wrapper runs before the command it starts, with the folder each runs
    in (deep-learning-containers' vllm entry script turns SM_VLLM_* variables into flags with one,
    then execs the server)."""
    found = []
    for command in script.commands:
        if command is start:
            break
        name = program_name(command.name)
        if command.function is None and name and knowledge.containers["interpreter"].find(name):
            call = python_call(list(command.words), [])
            if call.script:
                found.append((call, command.cwd))
    return found


def prints_environment(command: ShellCommand) -> bool:
    """`env` (or `env -0`, `env A=1`) with no program to run prints the environment: `env A=1 python
    x.py` runs python with A set."""
    return program_name(command.name) == "env" and all(
        word is not None and ("=" in word or word.startswith("-")) for word in command.words[1:])


def last_in_its_place(script: ShellScript, command: ShellCommand) -> bool:
    """Whether the command is the string's last, simple: no pipeline, background, redirection or
    trap. bash runs such a command of a `-c` string in its own place: a lone one in any version,
    the last of a list (`cd /app && python train.py`) since 5.1 (Debian 11, Ubuntu 22.04)."""
    return script.commands[-1:] == [command] and not script.traps and command.function is None and not (
        command.pipeline or command.background or command.writes_to)


def evaluated_name(command: ShellCommand) -> str | None:
    """The program an unquoted variable at the head of the command names, where that much is known."""
    first = (command.evaluated or "").split()[:1]
    return first[0] if first and UNKNOWN_PART not in first[0] else None

def evaluated_words(line: str, display: str) -> list[str | None]:
    """The words of a command an unquoted variable holds in part (`mpi="mpiexec -np $n"`, then
    `exec $mpi python x.py`), each unknown part's word unknown."""
    try:
        inner = parse_shell(line, display, {}, None)
    except LoadError:
        return []
    first = inner.commands[0].words if inner.commands else ()
    return [None if word is not None and UNKNOWN_PART in word else word for word in first]

