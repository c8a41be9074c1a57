"""The stages a Dockerfile builds, instruction by instruction: each stage's run configuration (ENV,
WORKDIR, ENTRYPOINT, CMD, SHELL, STOPSIGNAL) and where its COPY, ADD and RUN put files, so that an
image path leads back to the build-context file (or heredoc) it came from. image.py reads the
image these make.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from sigcheck.container.dockerfile import Heredoc, Instruction, ParsedDockerfile
from sigcheck.container.runs import RunCommand, run_commands
from sigcheck.container.substitution import arg_declarations, expand, split_assignments
from sigcheck.container.written import Written, written_text

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_SHELL = ("/bin/sh", "-c")
# Folders every Linux base image has: `COPY train /usr/local/bin` puts the file inside, as Docker
# copies a file into a destination that is already a folder.
STANDARD_DIRS = frozenset({"/", "/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/usr/local", "/usr/local/bin",
                           "/usr/local/sbin", "/usr/local/lib", "/usr/lib", "/usr/share", "/opt", "/etc", "/tmp",
                           "/root", "/home", "/var", "/srv", "/lib"})

@dataclass(frozen=True)
class Placed:
    """A file or folder COPY/ADD (or RUN ln/cp) put into the image, and what it came from."""

    image_path: str
    instruction: Instruction
    context: Path | None = None  # the build-context file or folder
    heredoc: Heredoc | None = None  # `COPY <<EOF /usr/local/bin/train`, `RUN cat <<EOF > /entry.sh`
    is_dir: bool = False
    chmod: str | None = None  # COPY --chmod
    written: Written | None = None  # `RUN printf '...' > /entry.sh`


@dataclass(frozen=True)
class ImageFile:
    """An image path resolved to its content."""

    image_path: str
    placed: Placed
    context: Path | None  # the file in the build context, if it is one
    heredoc: Heredoc | None
    executable: bool


@dataclass
class Stage:
    index: int
    name: str | None
    base: str  # the FROM image, substituted
    start: Instruction  # the FROM instruction
    parent: "Stage | None" = None  # `FROM builder`: the stage this one continues
    instructions: list[Instruction] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    shell: tuple[str, ...] = DEFAULT_SHELL
    stopsignal: Instruction | None = None
    placed: list[Placed] = field(default_factory=list)
    executables: list[tuple[str, object]] = field(default_factory=list)  # RUN chmod +x targets, with the command
    links: list[tuple[str, str]] = field(default_factory=list)  # RUN ln -s TARGET LINK: (link, target)
    made_dirs: list[str] = field(default_factory=list)  # RUN mkdir targets
    runs: list[RunCommand] = field(default_factory=list)

    def lineage(self) -> list["Stage"]:
        """This stage and those it is built on, oldest first."""
        chain, stage = [], self
        while stage is not None:
            chain.append(stage)
            stage = stage.parent
        return chain[::-1]

    @property
    def root_base(self) -> str:
        return self.lineage()[0].base



def mode_executable(mode: str) -> bool:
    try:
        return int(mode, 8) & 0o111 != 0
    except ValueError:
        return "x" in mode.partition("-")[0]  # "+x", "a+x", "u+rwx"; not "a-x"


def build_stages(parsed: ParsedDockerfile, contexts: list[Path]) -> list[Stage]:
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    current: Stage | None = None
    for instruction in parsed.instructions:
        if instruction.keyword == "FROM":
            current = _start_stage(instruction, stages, global_args)
            stages.append(current)
        elif current is None:  # ARG before the first FROM: usable in FROM lines only
            for name, default in arg_declarations(instruction.args, global_args):
                global_args[name] = default if default is not None else global_args.get(name, "")
        else:
            current.instructions.append(instruction)
            _apply(current, instruction, stages, contexts, global_args, parsed.source.display)
    return stages


def _start_stage(instruction: Instruction, stages: list[Stage], global_args: dict[str, str]) -> Stage:
    words = [w for w in instruction.args]
    name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
    base = expand(words[0], global_args)
    parent = next((s for s in stages if s.name and s.name.lower() == base.lower()), None)
    if parent is None and base.isascii() and base.isdigit() and int(base) < len(stages):
        parent = stages[int(base)]
    stage = Stage(len(stages), name, base, instruction, parent)
    stage.env["PATH"] = DEFAULT_PATH  # the base image's own PATH is unknown; most keep the default
    if parent is not None:
        stage.env, stage.workdir, stage.shell = dict(parent.env), parent.workdir, parent.shell
    return stage


def _apply(stage: Stage, instruction: Instruction, stages: list[Stage], contexts: list[Path], global_args,
           display: str) -> None:
    keyword = instruction.keyword
    scope = {**stage.args, **stage.env}
    if keyword == "ARG":
        for name, default in arg_declarations(instruction.args, scope):
            value = default if default is not None else global_args.get(name, "")
            stage.args[name] = value
    elif keyword == "ENV":
        for name, value in split_assignments(instruction.args, scope):
            stage.env[name] = value
    elif keyword == "WORKDIR" and instruction.args:
        stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, expand(instruction.args[0], scope)))
    elif keyword == "ENTRYPOINT":
        stage.entrypoint, stage.cmd = instruction, None  # a new ENTRYPOINT drops the inherited CMD
    elif keyword == "CMD":
        stage.cmd = instruction
    elif keyword == "SHELL" and instruction.exec_form:
        stage.shell = tuple(instruction.args)
    elif keyword == "STOPSIGNAL":
        stage.stopsignal = instruction
    elif keyword in ("COPY", "ADD"):
        _copy(stage, instruction, stages, contexts, scope)
    elif keyword == "RUN":
        for run in run_commands(instruction, scope, display, stage.workdir):
            stage.runs.append(run)
            _run_effects(stage, run)


def _run_effects(stage: Stage, run: RunCommand) -> None:
    """What a RUN does to the files that matter for launching: `chmod +x`, `ln -s`, a script
    written with printf, echo or a heredoc."""
    command = run.command
    if command.name in ("printf", "echo", "cat") and len(command.writes_to) == 1:
        _write(stage, run, command.writes_to[0])
        return
    words = [w for w in command.words if w is not None]
    if not words:
        return
    operands = [w for w in words[1:] if not w.startswith("-")]
    if words[0] == "chmod" and len(operands) >= 2 and mode_executable(operands[0].lstrip("+=")):
        stage.executables.extend((posixpath.join(stage.workdir, p), command) for p in operands[1:])
    elif words[0] == "ln" and any(w.startswith("-") and "s" in w for w in words[1:]) and len(operands) == 2:
        target, link = (posixpath.join(stage.workdir, p) for p in operands)
        if operands[1].endswith("/"):
            link = posixpath.join(link, posixpath.basename(target))
        stage.links.append((posixpath.normpath(link), posixpath.normpath(target)))
    elif words[0] == "mkdir":
        stage.made_dirs.extend(posixpath.normpath(posixpath.join(stage.workdir, p)) for p in operands)


def _write(stage: Stage, run: RunCommand, target: str) -> None:
    """`RUN cat <<EOF > /entry.sh` places the heredoc; `printf` and `echo` the text they write, or
    (appending, `>>`) that text after what the Dockerfile wrote there before. Where the text is
    not known, nothing is placed: the chain says the file is not one it can read."""
    path = posixpath.normpath(posixpath.join(run.command.cwd, target))
    heredocs = run.instruction.heredocs
    if run.command.name == "cat":
        if len(run.command.words) == 1 and len(heredocs) == 1 and run.heredoc is None:
            stage.placed.append(Placed(path, run.instruction, heredoc=heredocs[0]))
        return
    text = written_text(run.command)
    if text is None:
        return
    if target in run.command.appends_to:
        before = next((p for s in reversed(stage.lineage()) for p in reversed(s.placed) if p.image_path == path), None)
        if before is not None and before.written is None:
            return  # appended to a copied file: the whole is not known here
        text = (before.written.text if before is not None else "") + text
    stage.placed.append(Placed(path, run.instruction, written=Written(text, run.instruction.span)))


def copy_words(instruction: Instruction) -> list[str]:
    """A COPY or ADD's sources then its destination, as written (JSON form or not)."""
    words = list(instruction.args)
    if not instruction.exec_form and words and words[0].startswith("["):
        try:
            words = json.loads(instruction.text)
        except ValueError:
            pass
    return words


def _copy(stage: Stage, instruction: Instruction, stages: list[Stage], contexts: list[Path], scope) -> None:
    words = copy_words(instruction)
    if len(words) < 2:
        return
    *sources, raw_dest = [expand(w, scope) for w in words]
    dest = posixpath.join(stage.workdir, raw_dest)
    # A destination is a folder when written as one, when several sources go there, or when it
    # already is one (the WORKDIR, a folder copied earlier): `COPY train.py .`
    into_dir = (raw_dest.endswith(("/", "/.")) or raw_dest in (".", "..") or len(sources) > 1
                or posixpath.normpath(dest) in _folders(stage))
    chmod = instruction.flag("chmod")
    origin = instruction.flag("from")
    heredocs = {h.name: h for h in instruction.heredocs}
    for source in sources:
        marker = source.lstrip("0123456789")
        if marker.startswith("<<"):
            name = marker.lstrip("<-").strip("'\"")
            target = posixpath.join(dest, name) if into_dir else dest
            stage.placed.append(Placed(posixpath.normpath(target), instruction, heredoc=heredocs.get(name), chmod=chmod))
        elif origin is not None:
            _copy_from_stage(stage, instruction, stages, origin, source, dest, into_dir, chmod)
        elif "://" not in source:
            for found in context_matches(contexts, source):
                is_dir = found.is_dir()
                target = dest if (is_dir or not into_dir) else posixpath.join(dest, found.name)
                stage.placed.append(Placed(posixpath.normpath(target), instruction, context=found, is_dir=is_dir, chmod=chmod))


def _folders(stage: Stage) -> set[str]:
    found = set(STANDARD_DIRS)
    for ancestor in stage.lineage():
        found.add(ancestor.workdir)
        found.update(p.image_path for p in ancestor.placed if p.is_dir)
        found.update(ancestor.made_dirs)
    return found


def _copy_from_stage(stage, instruction, stages, origin, source, dest, into_dir, chmod) -> None:
    donor = next((s for s in stages if (s.name or "").lower() == origin.lower() or str(s.index) == origin), None)
    if donor is None:
        return  # another image: its files are unknown
    wanted = posixpath.normpath(posixpath.join(donor.workdir, source))
    for ancestor in donor.lineage():
        for placed in ancestor.placed:
            if placed.image_path == wanted or placed.image_path.startswith(wanted.rstrip("/") + "/"):
                rest = placed.image_path[len(wanted):].lstrip("/")
                if placed.image_path == wanted and not placed.is_dir and into_dir:
                    rest = posixpath.basename(wanted)
                target = posixpath.normpath(posixpath.join(dest, rest)) if rest else posixpath.normpath(dest)
                stage.placed.append(Placed(target, instruction, placed.context, placed.heredoc, placed.is_dir,
                                           chmod or placed.chmod, placed.written))


def context_matches(contexts: list[Path], source: str) -> list[Path]:
    relative = source.lstrip("/") or "."
    for context in contexts:
        if any(ch in relative for ch in "*?["):
            found = sorted(context.glob(relative))
        else:
            candidate = context / relative
            found = [candidate] if candidate.exists() else []
        if found:
            return [p.resolve() for p in found]
    return []
