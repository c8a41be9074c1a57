"""The launch chain: what `docker run IMAGE train` starts, step by step, down to the Python trainer.

Each step (steps.py) is a program on the way (a shell, an init, a wrapper script, a launcher, the training
toolkit, the trainer) with the place that starts it and how the stop signal gets past it: the
next program `exec`s in its place, it forwards the signal, or the signal stops there.
"""

from __future__ import annotations

import posixpath
from typing import Callable

from sigcheck.container.argv import (PythonCall, RunArgument, has_run_argument, in_its_own_process, launcher_target,
                                     program_name, python_call, quote, skip_options)
from sigcheck.container.image import Image, ImageFile
from sigcheck.container.mpi import image_has, rank_signal, runs_command
from sigcheck.container.program_calls import ProgramCalls
from sigcheck.container.purpose import installed_module_file, unseen_train
from sigcheck.container.toolkit import toolkit_source
from sigcheck.container.shell import ShellCommand, ShellScript, parse_shell, shebang
from sigcheck.loading.accelerate_config import runs_one_process
from sigcheck.loading.launcher_signal import legacy_launcher
from sigcheck.container.starters import (FORWARDS, REPLACED, STOPS, evaluated_name, evaluated_words, prints_environment,
                                         python_run_first, signal_passing, starting_command)
from sigcheck.container.steps import Chain, PythonTarget, Step
from sigcheck.knowledge import Knowledge
from sigcheck.loading.sources import LoadError, display_path
from sigcheck.model.trace import Point

_NOT_STARTERS = frozenset({"echo", "printf", "cd", "set", "export", "trap", "wait", "kill", "sleep", "true", "false",
                           "test", "[", "[[", "source", ".", "mkdir", "cp", "mv", "rm", "ln", "chmod", "chown", "cat",
                           "pip", "pip3", "conda", "apt-get", "ls", "nvidia-smi", "shift", "exit", "return",
                           "unset", "ulimit", "umask", "printenv", "tee", "touch", "id", "whoami", "date", "hostname"})
_MAX_DEPTH = 12


class ChainBuilder(ProgramCalls):
    """Follows argv through the image. `read` returns (text, display, line offset) for an image
    file, or None after recording why it could not (an error placed in the file)."""

    def __init__(self, image: Image, knowledge: Knowledge, read: Callable[[ImageFile], tuple[str, str, int] | None],
                 programs: dict | None = None) -> None:
        """`programs`: the console scripts of the project the image installs, by name (ConsoleScript)."""
        self.programs = programs or {}
        self.image = image
        self.knowledge = knowledge
        self.read = read
        self.display = image.parsed.source.display
        self.chain = Chain()
        self.errors: list[LoadError] = []  # scripts on the chain that do not parse
        self.env = dict(image.env)  # the environment so far: the image's, and what the chain's scripts export

    def build(self, run_args: list[str] | None) -> Chain:
        image = self.image
        entrypoint, cmd = image.entrypoint, image.cmd
        args = [RunArgument(a) for a in run_args] if run_args is not None else None
        if entrypoint is not None:
            point = self._instruction_point(entrypoint, "ENTRYPOINT")
            if not entrypoint.exec_form:
                self._shell_form(entrypoint, point)
            else:
                tail = args if args is not None else (image.words(cmd) if cmd is not None else [])
                self._start([*entrypoint.args, *tail], point)
        elif args is not None:
            instruction = cmd or image.final.start
            note = f"`docker run IMAGE {' '.join(args)}` with no ENTRYPOINT runs `{args[0]}` from PATH"
            self._start(list(args), Point.in_document(self.display, instruction.span, note))
        elif cmd is not None:
            point = self._instruction_point(cmd, "CMD")
            if not cmd.exec_form:
                self._shell_form(cmd, point)
            else:
                self._start(list(cmd.args), point)
        else:  # the base image's own, which sigcheck does not know (python's CMD runs a REPL), or the job's command
            self.chain.problem = (f"the Dockerfile sets no ENTRYPOINT or CMD: the base image's ({image.final.root_base}) "
                                  f"or the command the job gives runs, which sigcheck cannot see")
        return self.chain

    def _start(self, argv: list[str], point: Point) -> None:
        self._add(Step("entrypoint", quote(argv), point, REPLACED, note="PID 1: Docker sends the stop signal here"))
        self.program(argv, point, self.image.workdir)

    def _instruction_point(self, instruction, keyword: str) -> Point:
        return Point.in_document(self.display, instruction.span, f"{keyword} {instruction.text}")

    def _add(self, step: Step) -> int:
        self.chain.steps.append(step)
        return len(self.chain.steps) - 1

    def _shell_form(self, instruction, point: Point) -> None:
        text = instruction.args[0] if instruction.args else ""
        shell = " ".join(self.image.shell)
        self._add(Step("shell-form", f"{shell} {text!r}", point, STOPS,
                       note=f"{shell} is PID 1; it ignores the arguments `docker run` passes"))
        # a SHELL instruction naming bash makes the shell known: it runs a lone simple command in its
        # place; the image's /bin/sh may be dash, which never does (DKR001's known limits)
        named = program_name(self.image.shell[0]) if self.image.shell else ""
        if text.lstrip().startswith("["):  # meant as the exec form, but no JSON array: `[python,` is no program
            self.chain.problem = "it is written as the exec form but is not a valid JSON array, so Docker runs it " \
                                 "as a shell command that starts nothing"
            return
        self._inline(text, point, [], shell_form=True, shell="bash" if named == "bash" else "")

    # -- one program ------------------------------------------------------------------------------

    def program(self, words: list[str | None], point: Point, cwd: str, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            self.chain.problem = "the launch chain is too deep to follow"
            return
        if not words or not words[0]:
            self.chain.problem = "the command to run is unknown" if words else "nothing to run"
            return
        name = program_name(words[0])
        kinds = self.knowledge.containers
        for kind in ("init", "exec-wrapper", "runner", "shell", "interpreter", "launcher"):
            entries = kinds[kind].find(name)
            if entries:
                return getattr(self, "_" + kind.replace("-", "_"))(words, point, cwd, depth, entries[0])
        if name in ("torch.distributed.run",):
            return self._launcher(words, point, cwd, depth, kinds["launcher"].find("torchrun")[0])
        waits = next((e for e in kinds["interactive"].find(name) if not e.option("verbs") or words[1:2] and words[1] in e.option("verbs")), None)
        if waits is not None:  # `jupyter notebook`: a server for a person, which runs no program of the image itself
            self.chain.problem, self.chain.interactive = f"`{name}` waits for a person and runs no trainer", True
            return
        if kinds["model-server"].find(name):  # `gunicorn main:app`: it answers requests and trains nothing
            self._add(Step("server", quote(words), point, REPLACED))
            self.chain.problem = f"`{name}` is a server: it answers requests and runs no trainer"
            return
        self._executable(words, point, cwd, depth)

    def _init(self, words, point, cwd, depth, entry) -> None:
        options = [w for w in words[1:] if (w or "").startswith("-")]
        group = program_name(words[0]).startswith("dumb-init") and not {"-c", "--single-child"} & set(options)
        group = group or "-g" in options
        how = "its child's process group" if group else "its child"
        rest = skip_options(list(words[1:]), entry.option("value-options", []))
        own = words[:len(words) - len(rest)]  # the init and its options, without the program it runs
        self._add(Step("init", quote(own), point, FORWARDS, group=group,
                       note=f"{program_name(words[0])} forwards the signal to {how}"))
        if not rest:
            self.chain.problem = f"{program_name(words[0])} is given no program to run"
            return
        self.program(rest, point, cwd, depth + 1)

    def _runner(self, words, point, cwd, depth, entry) -> None:
        """A program that runs its command as a child (xvfb-run, timeout): the signal goes on only if it forwards it."""
        rest = skip_options(list(words[1:]), entry.option("value-options", []))
        rest = rest[entry.option("leading", 0):]
        own = words[:len(words) - len(rest)]
        name = program_name(words[0])
        forwards = entry.option("forwards", False)
        note = f"{name} forwards the signal to its child" if forwards else \
            f"{name} runs the command as its child and never passes the signal on"
        self._add(Step("runner", quote(own), point, FORWARDS if forwards else STOPS, note=note))
        if not rest:
            self.chain.problem = f"{name} is given no program to run"
            return
        self.program(rest, point, cwd, depth + 1)

    def _exec_wrapper(self, words, point, cwd, depth, entry) -> None:
        rest = list(words[1:])
        if program_name(words[0]) == "env":
            self.env.update(w.split("=", 1) for w in rest if w and "=" in w and not w.startswith("-"))
            rest = [w for w in rest if "=" not in (w or "") or (w or "").startswith("-")]
        rest = skip_options(rest, entry.option("value-options", []))
        if program_name(words[0]) in ("gosu", "su-exec") and rest:
            rest = rest[1:]  # the user to switch to
        self.program(rest, point, cwd, depth + 1)

    def _shell(self, words, point, cwd, depth, entry) -> None:
        rest = list(words[1:])
        while rest and (rest[0] or "").startswith(("-", "+")) and rest[0] != "-c":
            rest = rest[2:] if rest[0] in ("-o", "+o") else rest[1:]
        if rest and rest[0] == "-c":
            text = rest[1] if len(rest) > 1 else ""
            self._add(Step("shell-c", f"{program_name(words[0])} -c {text!r}", point, REPLACED))
            self._inline(text or "", point, list(rest[3:]), shell_form=False, shell=program_name(words[0]))
            return
        if not rest or rest[0] is None:
            self.chain.problem = f"{program_name(words[0])} is given no script"
            self.chain.interactive = not rest  # it reads its commands from a terminal: no program of the image runs
            return
        found = self.image.lookup(self.image.absolute(rest[0], cwd))
        if found is None and program_name(words[0]) == "bash" and "/" not in rest[0]:
            found = self.image.which(rest[0])  # bash looks for a script it cannot find in the folder on PATH
        self._script(found, rest[0], list(rest[1:]), point, cwd, depth)

    def _interpreter(self, words, point, cwd, depth, entry) -> None:
        call = python_call(list(words), entry.option("value-options", []))
        launchers = self.knowledge.containers["launcher"].find(call.module) if call.module else []
        if launchers:  # `python -m torch.distributed.run`, `python -m accelerate.commands.launch`: the launcher itself
            launcher = launchers[0]
            subcommand = [launcher.option("subcommand")] if launcher.option("subcommand") else []
            return self._launcher([launcher.patterns[0], *subcommand, *call.args], point, cwd, depth, launcher, call.module)
        if call.code is not None or (call.script is None and call.module is None):
            self.chain.problem = f"`{quote(words)}` runs no script sigcheck can follow"
            return
        self._python(call, quote(words), point, cwd)

    def _launcher(self, words, point, cwd, depth, entry, module: str | None = None) -> None:
        """`module`: the one `python -m` names (`torch.distributed.launch`, the old launcher under an old torch)."""
        if runs_command(entry):
            return self._rank_launcher(words, point, cwd, depth)
        call = launcher_target(list(words), entry.option("value-options", []), entry.option("subcommand"))
        name = program_name(words[0])
        # accelerate in one process: its simple launcher keeps the signal (accelerate_config.py)
        one_process = entry.option("keeps-in-one-process", False) and runs_one_process(list(words), None)
        # the pins of the build context (its requirements files, the Dockerfile's installs)
        legacy = legacy_launcher(name, [module], self.image.contexts[0] / "Dockerfile", self.image.contexts[-1],
                                 self.knowledge) if module else None
        if legacy is not None:
            self._add(Step("launcher", quote(["python", "-m", module, *words[1:]]), point, STOPS, note=f"{legacy[0]} {legacy[1]}",
                           instead=legacy[2]))
        elif in_its_own_process(entry, words):  # `tune run recipe.py`: the recipe runs in the launcher's process
            self._add(Step("launcher", quote(words), point, REPLACED, note=f"{name} runs the script in its own process"))
        elif entry.option("forwards", True) and not one_process:
            self._add(Step("launcher", quote(words), point, FORWARDS, deadline=entry.option("deadline"),
                           note=f"{name} forwards the signal to its workers and SIGKILLs them {entry.option('deadline')} s later"))
        else:  # deepspeed's runner on one node: the knowledge says how it keeps the signal, and what to use
            self._add(Step("launcher", quote(words), point, STOPS, note=f"{name} {entry.option('keeps')}",
                           instead=entry.option("instead")))
        if call.script is None and call.module is None:
            self.chain.problem = f"`{quote(words)}` starts no script sigcheck can follow"
            return
        # each worker is a Python process of its own, running the script with what follows it
        started = ["python", call.script] if call.script is not None else ["python", "-m", call.module]
        self._python(call, quote([*started, *call.args]), point, cwd)

    def _rank_launcher(self, words, point, cwd, depth) -> None:
        """mpirun, horovodrun: each rank runs the command after the launcher's options, the next step."""
        passing = rank_signal(list(words), self.knowledge, lambda entry: image_has(self.image, entry), self.env)
        own = words[:len(words) - len(passing.command)]
        self._add(Step("launcher", quote(own), point, FORWARDS, deadline=passing.deadline, note=passing.passes_on,
                       instead=passing.instead, delay=passing.delay, set_by=passing.set_by))
        if not passing.command:
            self.chain.problem = f"{program_name(words[0])} is given no program to run"
            return
        self.program(passing.command, point, cwd, depth + 1)

    def _python(self, call: PythonCall, label: str, point: Point, cwd: str) -> None:
        found = self.image.python_file(call, cwd) or (installed_module_file(self.image, call.module) if call.module else None)
        if found is None or found.context is None or found.context.suffix not in (".py", ""):
            target = call.script or call.module
            self.chain.problem = f"the trainer `{target}` is not a file of the build context"
            return
        display = display_path(found.context)
        index = self._add(Step("python", label, Point.in_document(display, (1, 1, 1, 1), f"the trainer {display}"), REPLACED))
        self.chain.python = PythonTarget(found.context, display, call, index, found.image_path)

    def _executable(self, words, point, cwd, depth) -> None:
        name = words[0]
        found = self.image.which(name) if "/" not in name else self.image.lookup(self.image.absolute(name, cwd))
        if found is None:
            if (isinstance(name, RunArgument) or name == "train") and self._toolkit(words, point):
                return  # `train` on PATH, from the toolkit's package: the run argument, or a script's command
            unseen = unseen_train(self.image, self.knowledge, self.read) if isinstance(name, RunArgument) or name == "train" \
                else None
            if unseen is not None:
                self.chain.problem = f"the Dockerfile places no `{name}`; it may come from {unseen}"
                return
            if name in self.programs and "/" not in name:  # `my-trainer`, which `pip install .` puts on PATH
                return self._console_script(self.programs[name], words, point)
            if isinstance(name, RunArgument):
                self.chain.missing_train = True
                self.chain.problem = f"no executable `{name}` is placed on the image's PATH"
            else:
                self.chain.problem = f"`{name}` is not a file of the build context"
            return
        if not found.executable and (isinstance(name, RunArgument) or name == "train"):
            # `train` run by name, as the platform's argument or a wrapper's line: exec needs the bit
            self.chain.missing_train = True
            self.chain.problem = f"`{name}` is on PATH at {found.image_path} but not executable (chmod +x)"
            return
        read = self.read(found)
        if read is None:
            self.chain.problem = f"{found.image_path} could not be read"
            return
        text, _, _ = read
        interpreter = shebang(text)
        suffix = posixpath.splitext(found.image_path)[1]
        if interpreter is None:
            interpreter = ["python"] if suffix == ".py" else ["/bin/sh"] if suffix in (".sh", "") else None
        if interpreter is None:
            self.chain.problem = f"`{name}` is a program sigcheck cannot read"
            return
        self.program([*interpreter, found.image_path, *words[1:]], point, cwd, depth + 1)

    # -- scripts ----------------------------------------------------------------------------------

    def _script(self, found: ImageFile | None, path: str, args, point: Point, cwd: str, depth: int) -> None:
        if found is None:
            self.chain.problem = f"the script {path} is not a file of the build context"
            return
        read = self.read(found)
        if read is None:
            self.chain.problem = f"{found.image_path} could not be read"
            return
        text, display, offset = read
        script = self._parse(text, display, args, offset, cwd, folder=posixpath.dirname(found.image_path))
        if script is None:
            return
        self._follow(script, display, point, cwd, depth, inline=False)

    def _inline(self, text: str, point: Point, args, shell_form: bool, shell: str = "") -> None:
        """`shell`: the program running a `-c` string (bash runs its last simple command in its place)."""
        script = self._parse(text, self.display, args, 0, self.image.workdir)
        if script is not None:
            self._follow(script, self.display, point, self.image.workdir, 0, inline=True, shell_form=shell_form,
                         shell=shell)

    def _parse(self, text, display, args, offset, cwd: str, folder: str | None = None) -> ShellScript | None:
        """`folder`: where the script lies in the image, which `$(dirname "$0")` stands for."""
        try:
            return parse_shell(text, display, self.env, args, offset, cwd, folder)
        except LoadError as error:
            self.chain.problem = str(error)
            self.errors.append(error)
            return None

    def _follow(self, script: ShellScript, display: str, point: Point, cwd: str, depth: int, inline: bool,
                shell_form: bool = False, shell: str = "") -> None:
        command = starting_command(script, self._starts, self._execs)
        self._helpers(script, command, cwd)
        if command is None:
            self.chain.problem = "the script starts no program sigcheck recognises"
            return
        if command.runs_arguments or has_run_argument(command.words[:1]):
            self.chain.runs_arguments = point if inline else Point.in_document(display, command.span, command.text)
        passes, note = signal_passing(script, command, shell)
        where = point if inline else Point.in_document(display, command.span, f"{display}:{command.span[0]} `{command.text}`")
        if inline:  # `sh -c "..."`: the shell step itself says how it starts the command
            last = self.chain.steps[-1]
            keep = shell_form and passes == STOPS
            self.chain.steps[-1] = Step(last.kind, last.label, point, passes, note=last.note if keep else note)
        else:
            self._add(Step("script", command.text, where, passes, note=note))
        words = list(command.words)
        if words and words[0] is None and command.evaluated is not None:
            words = evaluated_words(command.evaluated, display) or words  # `exec $launcher python x.py`
        if words and words[0] is None:
            self.chain.problem = f"`{command.text}` runs a program sigcheck cannot know"
            return
        self.env.update(command.env)
        self.program(words, where, command.cwd, depth + 1)

    def _helpers(self, script: ShellScript, start: ShellCommand | None, cwd: str) -> None:
        """The Python scripts the wrapper runs before the command it starts: the image's code too."""
        for call, at in python_run_first(script, start, self.knowledge):
            found = self.image.python_file(call, at or cwd)
            if found is not None and found.context is not None and found.context.suffix == ".py":
                self.chain.helpers.append(found.context)

    def _execs(self, command: ShellCommand) -> bool:
        """`exec PROGRAM`: the script ends in it, whatever it is (a program the image gets from
        where sigcheck cannot see is still the one that runs)."""
        name = program_name(command.name or evaluated_name(command))
        return command.exec and bool(name) and name not in _NOT_STARTERS and command.function is None \
            and not prints_environment(command)

    def _starts(self, command: ShellCommand) -> bool:
        held = evaluated_name(command) if command.name is None else None
        if held:  # `$mpi python x.py`: a launcher the variable holds
            name = program_name(held)
            return self._known_program(name) or bool(self.knowledge.containers["interpreter"].find(name))
        name = program_name(command.name)
        if command.name is None or not name or name in _NOT_STARTERS or command.function is not None \
                or prints_environment(command):
            return False
        if command.runs_arguments or isinstance(command.name, RunArgument):
            return True
        words = list(command.words)
        if self.knowledge.containers["interpreter"].find(name):
            call = python_call(words, [])
            return call.code is None and call.module not in ("pip", "venv", "ensurepip")
        if self._known_program(name):
            return True
        if name == "train" and (toolkit_source(self.image, self.knowledge, self.read) is not None
                                or unseen_train(self.image, self.knowledge, self.read) is not None):
            return True  # the SageMaker training toolkit's command, or one a package may put on PATH
        return name.endswith((".py", ".sh")) or self.image.which(command.name) is not None or name in self.programs

    def _known_program(self, name: str) -> bool:
        """An init, launcher, shell, wrapper, runner or server (a model's, a notebook's) the knowledge describes."""
        return any(self.knowledge.containers[k].find(name)
                   for k in ("init", "launcher", "shell", "exec-wrapper", "runner", "model-server", "interactive"))
