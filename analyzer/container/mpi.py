"""MPI's launchers and horovodrun: which one a command line runs, the command each rank runs, and
how a stop reaches the ranks.

`mpirun` is the name of Open MPI's launcher and of MPICH's (Hydra), which pass a stop on
differently (knowledge: containers.toml): Open MPI's sends the ranks SIGTERM a second after the
stop and SIGKILL a second later, MPICH's passes SIGTERM on and never SIGKILLs. Which one runs is
read from the options only one of them takes, then from what the image installs; where neither
tells, the launcher passes the signal on with no deadline of its own, and the note says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Callable

from sigcheck.container.argv import program_name, skip_options
from sigcheck.knowledge import Entry, Knowledge

if TYPE_CHECKING:
    from sigcheck.container.image import Image

OPEN_MPI, MPICH, HOROVOD = "Open MPI", "MPICH", "Horovod"


@dataclass(frozen=True)
class RankSignal:
    """How a stop reaches the ranks of a command-running launcher (mpirun, horovodrun)."""

    command: list[str | None]  # what each rank runs
    passes_on: str  # how the launcher passes the stop on, as a note of its step
    deadline: int | None = None  # seconds between the ranks' SIGTERM and their SIGKILL; None: no SIGKILL of its own
    delay: int = 0  # seconds from the stop to the ranks' SIGTERM
    set_by: str = ""  # the setting that chose the delay (`--mca odls_base_sigkill_timeout 55`); "" for the default
    instead: str = ""  # how to give the ranks more time, where there is a way (`{seconds}`: how much)


Evidence = Callable[[Entry], bool]  # whether the image has this implementation (installs it, or its base ships it)


def runs_command(entry: Entry) -> bool:
    return bool(entry.option("runs-command", False))


def rank_signal(words: list[str | None], knowledge: Knowledge, evidence: Evidence | None = None,
                env: dict[str, str] | None = None) -> RankSignal:
    """How `words` (`mpirun -np 8 python train.py`, `horovodrun -np 4 python train.py`) passes a stop on.
    `evidence` and `env` are the image's, where there is one."""
    entries = [e for e in knowledge.containers["launcher"].find(program_name(words[0])) if runs_command(e)]
    if entries and entries[0].option("implementation") == HOROVOD:
        return _horovod(words, entries[0], knowledge, evidence, env or {})
    entry = _implementation(words, entries, evidence)
    options = [*{o for e in (entries if entry is None else [entry]) for o in e.option("value-options", [])}]
    pairs = [*{o for e in (entries if entry is None else [entry]) for o in e.option("pair-options", [])}]
    command = _command(words, options, pairs)
    own = words[1:len(words) - len(command)]
    name = program_name(words[0])
    if entry is None:
        return RankSignal(command, f"{name} passes SIGTERM on to its ranks (Open MPI's SIGKILLs them 1 s later, "
                                   f"MPICH's never: which MPI the image has is not known)")
    if entry.option("implementation") == MPICH:
        return RankSignal(command, f"MPICH's {name} passes SIGTERM on to its ranks and never SIGKILLs them itself")
    return _open_mpi(name, entry, _set_delay(own, entry, env or {}), command)


def _open_mpi(name: str, entry: Entry, setting: tuple[int, str] | None, command: list[str | None],
              through: str = "") -> RankSignal:
    option = entry.option("delay-option")
    # `{seconds}` is filled in by the rule, which knows the platform's deadline: at most half of it
    instead = (f"give the ranks time with `--mca {option} {{seconds}}` (Open MPI 4: SIGTERM comes {{seconds}} s after "
               f"the stop, SIGKILL {{seconds}} s later; Open MPI 5 waits a quarter second whatever is set)")
    seconds, written = setting or (entry.option("deadline"), "")
    aside = f"{written}; Open MPI 5 ignores it and waits a quarter second" if written else \
        "a quarter second each in Open MPI 5"
    return RankSignal(command, f"{through}Open MPI's {name} passes SIGTERM on to its ranks {seconds} s after the stop "
                               f"and SIGKILLs them {seconds} s later ({aside})", seconds, seconds, written, instead)


def _horovod(words, entry: Entry, knowledge: Knowledge, evidence: Evidence | None, env: dict[str, str]) -> RankSignal:
    """Gloo (`--gloo`) SIGKILLs the workers 5 s after passing SIGTERM on; with MPI, horovodrun execs
    mpirun, and the ranks are stopped as that MPI stops them."""
    command = _command(words, entry.option("value-options", []), entry.option("pair-options", []))
    own = [w or "" for w in words[1:len(words) - len(command)]]
    if "--gloo" in own:
        return RankSignal(command, "horovodrun (Gloo) passes SIGTERM on to its workers and SIGKILLs them "
                                  f"{entry.option('deadline')} s later", entry.option("deadline"), 1)
    mpis = [e for e in knowledge.containers["launcher"].find("mpirun") if runs_command(e)]
    found = [e for e in mpis if evidence is not None and evidence(e)]
    if not found and "--mpi" not in own and evidence is not None and evidence(entry):  # built without MPI: Gloo it is
        return RankSignal(command, "horovodrun runs Gloo (a Horovod without MPI), which passes SIGTERM on to its "
                                   f"workers and SIGKILLs them {entry.option('deadline')} s later", entry.option("deadline"), 1)
    if len(found) == 1 and found[0].option("implementation") == OPEN_MPI:
        arguments = _mpi_arguments(own)
        through = ("horovodrun execs `/bin/sh -c 'mpirun ...'` (where /bin/sh is dash, Debian's and Ubuntu's, the shell "
                   "keeps SIGTERM from mpirun altogether), and ")
        return _open_mpi("mpirun", found[0], _set_delay(arguments, found[0], env), command, through)
    if len(found) == 1:
        return RankSignal(command, "horovodrun execs MPICH's mpirun, which passes SIGTERM on to the ranks and never "
                                   "SIGKILLs them itself")
    return RankSignal(command, f"horovodrun passes SIGTERM on to its workers (with Gloo it SIGKILLs them "
                               f"{entry.option('deadline')} s later, through MPI as that MPI's mpirun does: which "
                               f"one runs is not known)")


def _command(words: list[str | None], options: list[str], pairs: list[str]) -> list[str | None]:
    """The command each rank runs. A word sigcheck cannot know among the launcher's own is taken
    for options a variable holds (`mpirun $MPI_OPTS python train.py`), unless no word follows it."""
    unknown = "-\0"  # stands for such a word while the options are skipped: no option is spelt so
    known = [unknown if word is None else word for word in words[1:]]
    command = skip_options(known, options, pairs=pairs)
    if not command and unknown in known:
        command = known[known.index(unknown):]
    return [None if word == unknown else word for word in command]


def _implementation(words, entries: list[Entry], evidence: Evidence | None) -> Entry | None:
    """The implementation the options say, else the only one the image has, else None."""
    if len(entries) <= 1:
        return entries[0] if entries else None
    options = {(w or "").split("=", 1)[0] for w in words[1:] if (w or "").startswith("-")}
    marked = [e for e in entries if options & set(e.option("marks", []))]
    if len(marked) == 1:
        return marked[0]
    found = [e for e in entries if evidence is not None and evidence(e)]
    return found[0] if len(found) == 1 else None


def _set_delay(own, entry: Entry, env: dict[str, str]) -> tuple[int, str] | None:
    """The delay `--mca odls_base_sigkill_timeout N` sets (or the variable in the environment), and
    how it was written."""
    option, variable = entry.option("delay-option"), entry.option("delay-variable")
    words = [w or "" for w in own]
    for index, word in enumerate(words[:-2]):
        if word.lstrip("-") in ("mca", "gmca") and words[index + 1] == option and words[index + 2].isdigit():
            return int(words[index + 2]), f"{word} {option} {words[index + 2]}"
    value = env.get(variable, "")
    return (int(value), f"{variable}={value}") if value.isdigit() else None


def _mpi_arguments(own: list[str]) -> list[str]:
    """The words of horovodrun's `--mpi-args="..."`, which it hands to mpirun."""
    found: list[str] = []
    for index, word in enumerate(own):
        if word.startswith("--mpi-args="):
            found += word.split("=", 1)[1].split()
        elif word == "--mpi-args" and index + 1 < len(own):
            found += own[index + 1].split()
    return found


def image_has(image: "Image", entry: Entry) -> bool:
    """Whether the image installs this implementation (`apt-get install openmpi-bin`, a source
    tarball it builds) or starts from a base image that ships it; for Horovod, whether it is built
    without MPI there (HOROVOD_WITHOUT_MPI=1, or a base image with no MPI)."""
    if entry.option("implementation") == HOROVOD:
        return _built_without_mpi(image, entry)
    bases = entry.option("images", [])
    if any(fnmatchcase(stage.base or "", pattern) for stage in image.final.lineage() for pattern in bases):
        return True
    packages = entry.option("installed", [])
    return any(fnmatchcase(word.lower(), pattern) for stage in image.final.lineage() for run in stage.runs
               for word in run.command.words if word for pattern in packages)


def _built_without_mpi(image: "Image", entry: Entry) -> bool:
    variable = entry.option("gloo-variable")
    runs = [run.command for stage in image.final.lineage() for run in stage.runs]
    if image.env.get(variable) == "1" or any(dict(command.env).get(variable) == "1" for command in runs):
        return True
    return any(fnmatchcase(image.final.root_base or "", pattern) for pattern in entry.option("gloo-images", []))
