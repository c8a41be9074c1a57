"""A Python launcher on the launch chain: the script the container starts runs the real trainer as
a child (`subprocess`, `os.system`, `sh -c`) or replaces itself with it (`os.execv`).

Read from the project model once the Python is loaded: which call on the launcher's main path
starts which script of the build context (discovery made it an entry point: named_scripts.py),
through what (a shell, torchrun), and whether the launcher passes SIGTERM on. The call's command
is followed with the same ChainBuilder as the image's own argv, so `sh -c`, inits and torchrun
between the launcher and the script are the same steps as in a Dockerfile.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from sigcheck.container.chain import FORWARDS, REPLACED, STOPS, ChainBuilder, PythonTarget, Step
from sigcheck.model import ir
from sigcheck.model.children import forwarding_call
from sigcheck.model.commands import BesideCaller, joined_words, own_arguments, positional_words, seq_words, word
from sigcheck.model.pathvalues import value_text
from sigcheck.model.trace import Point
from sigcheck.model.values import ConstV, SeqV

SIGTERM = 15
_NEW_SESSION = {"os.setsid", "os.setpgrp"}  # a preexec_fn that takes the child out of the launcher's group


@dataclass(frozen=True)
class Spawn:
    """One call on the launcher's main path that starts a script of the project."""

    call: str  # the library call, as `subprocess.Popen`
    point: Point  # the call in the launcher
    passes: str  # how SIGTERM gets from the launcher to the script: REPLACED, FORWARDS or STOPS
    note: str  # why, as `sigcheck chain` and traces show it
    detaches: bool  # start_new_session: a group signal from an init does not reach the script
    steps: tuple[Step, ...]  # from the call to the script: `sh -c`, torchrun, ..., then the script
    target: PythonTarget | None  # the script; None past the toolkit's `train`, whose script comes with the job
    child: object  # sigcheck.checking.analysis.EntryFacts of the script, or None
    shell: bool  # a /bin/sh runs the command line
    problem: str | None = None  # why the launch cannot be followed to a script (the toolkit's, unset)


def find_spawn(facts) -> Spawn | None:
    """The call that starts the trainer: among the calls that start a loaded script of the image,
    one whose script trains, else the first the launcher runs. `facts` is a ContainerFacts."""
    launcher, target = facts.entry, facts.chain.python
    if launcher is None or target is None or not (facts.container.launched or _may_start_elsewhere(facts)):
        return None
    analysis = facts.analysis
    found = []
    for func_id in sorted(launcher.main):
        for event in analysis.functions[func_id].events:
            if not isinstance(event, ir.CallSite):
                continue
            for name in analysis.graph.qualnames(func_id, event):
                for entry in analysis.knowledge.commands.find(name):
                    spawn = _follow(facts, func_id, event, name, entry)
                    if spawn is not None:
                        position = launcher.position(func_id, event)
                        trains = spawn.child is not None and spawn.child.first_work is not None
                        found.append(((not trains, position is None, position or 0, func_id, event.index), spawn))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _may_start_elsewhere(facts) -> bool:
    """The launcher may start a trainer that is no script of the build context: it is given
    arguments (`train`) and reads sys.argv, or its text names a distributed launcher
    (`accelerate launch -m axolotl.cli.train`)."""
    container = facts.container
    source = container.documents.get(container.chain.python.display)
    if source is None:
        return False
    if container.chain.python.call.args and "argv" in source.text:
        return True
    launchers = facts.analysis.knowledge.containers["launcher"]
    return any(launchers.find(word) for word in set(re.findall(r"[\w.-]+", source.text)))


def _follow(facts, func_id: str, site: ir.CallSite, name: str, entry) -> Spawn | None:
    analysis, image = facts.analysis, facts.image
    launcher = facts.chain.python
    point = Point(func_id, site.node, f"{name} starts")
    for words, shell in _commands(analysis, func_id, site, entry, launcher.call.args):
        if entry.option("replaces") and words:
            program = word(analysis.paths, func_id, site.index, site.args[0]) if site.args else None
            words = [program or words[0], *words[1:]]
        words = [posixpath.join(posixpath.dirname(launcher.image_path), w) if isinstance(w, BesideCaller) else w
                 for w in words]
        for cwd in _folders(facts, site):
            builder = ChainBuilder(image, analysis.knowledge, _loaded(analysis))  # the launch goes no further than a Python script
            builder.program(list(words), point, cwd)
            child = builder.chain.python
            started = next((step for step in builder.chain.steps if step.kind in ("toolkit", "launcher")), None)
            if child is None and started is not None:
                # the toolkit's `train` (its script is the job's SAGEMAKER_PROGRAM), or torchrun or
                # `accelerate launch` running a module the image installs: no script of the project
                passes, note = _passes(analysis, facts.entry, bool(entry.option("replaces")), started.label.split()[0], name)
                return Spawn(name, point, passes, note, _detaches(analysis, site), tuple(builder.chain.steps), None,
                             None, shell, builder.chain.problem)
            entry_facts = facts.entry_for(child.path) if child is not None else None
            if entry_facts is None or child.path.resolve() == launcher.path.resolve():
                continue
            # a launcher run in this process (deepspeed's runner) takes its place, not the script it starts
            passes, note = _passes(analysis, facts.entry, bool(entry.option("replaces")),
                                   entry.option("program") or child.display, name)
            return Spawn(name, point, passes, note, _detaches(analysis, site), tuple(builder.chain.steps), child,
                         entry_facts, shell)
    return None


def _loaded(analysis):
    """An image file's text where the project loaded it (a program's shebang says it is Python)."""
    def read(found) -> tuple[str, str, int] | None:
        module = analysis.project.by_path.get(found.context.resolve()) if found.context is not None else None
        source = analysis.project.sources.get(module) if module else None
        return (source.text, source.display, 0) if source is not None else None
    return read


def _passes(analysis, launcher, replaces: bool, child: str, call: str) -> tuple[str, str]:
    if replaces:
        return REPLACED, f"{call} replaces the launcher with {child}, which keeps its PID and receives the signal itself"
    registrations = [r for r in launcher.registrations
                     if r.action not in ("ignore", "default") and (r.signals is None or SIGTERM in r.signals)]
    if not registrations:
        return STOPS, f"starts {child} as a child with {call} and has no SIGTERM handler to forward the signal"
    forwards = _forwarding_call(analysis, launcher, registrations)
    if forwards is not None:
        return FORWARDS, f"starts {child} as a child with {call}; its SIGTERM handling passes the signal on ({forwards})"
    if any(r.action != "handler" or not r.handlers for r in registrations):
        return FORWARDS, f"starts {child} as a child with {call}; its SIGTERM handler is not known, so it may forward"
    return STOPS, f"starts {child} as a child with {call}; its SIGTERM handler never passes the signal on"


def _forwarding_call(analysis, launcher, registrations) -> str | None:
    """A call that passes the signal on (`terminate()`, `send_signal()`, `os.kill`) reached from a
    SIGTERM handler or, since a handler may only set a flag the launcher then acts on (`finally:
    proc.terminate()`), anywhere on the launcher's main path."""
    handlers = [t.func_id for r in registrations for t in r.handlers]
    reached = analysis.graph.reach(handlers, frozenset({"call"}))
    return forwarding_call(analysis.graph, analysis.knowledge, [*sorted(reached), *sorted(launcher.main)])


# -- the command a call runs ---------------------------------------------------------------------

def _commands(analysis, func_id: str, site: ir.CallSite, entry,
              arguments: tuple[str | None, ...]) -> list[tuple[list[str | None], bool]]:
    """The argv the call may run, each with whether /bin/sh runs it. `arguments`: the launcher's
    own, as the chain passes them (`train`), for a launcher that runs what it is given. A library
    call that runs a command in this process (deepspeed's runner) is given its arguments alone."""
    program = entry.option("program")
    found = _command_lines(analysis, func_id, site, entry, arguments)
    return [([program, *words], shell) for words, shell in found] if program else found


def _command_lines(analysis, func_id: str, site: ir.CallSite, entry,
                   arguments: tuple[str | None, ...]) -> list[tuple[list[str | None], bool]]:
    form, position = entry.option("form"), entry.option("position", 0)
    args, kwargs = site.args, dict(site.kwargs)
    if form == "words":
        return [(positional_words(analysis.paths, func_id, site, position), False)] if len(args) > position else []
    sym = args[position] if len(args) > position else kwargs.get(entry.option("keyword") or "")
    if sym is None:
        return []
    shell = form == "shell" or _is_true(kwargs.get("shell"))
    if arguments and own_arguments(analysis.paths, sym):
        words = list(arguments)
        return [(["/bin/sh", "-c", " ".join(w or "…" for w in words)] if shell else words, shell)]
    found: list[tuple[list[str | None], bool]] = []
    for value in analysis.resolver.resolve(sym):
        if isinstance(value, SeqV):
            words = seq_words(analysis.paths, func_id, site.index, sym, value.items)
            found.append((["/bin/sh", "-c", *words] if shell else words, shell))
    joined = None if found else joined_words(analysis.paths, func_id, site.index, sym)
    if joined is not None:  # `["--num_gpus", "8", "train.py"] + sys.argv[1:]`
        found.append((["/bin/sh", "-c", *joined] if shell else joined, shell))
    for text in _texts(analysis, func_id, site, sym):
        found.append((["/bin/sh", "-c", text] if shell else [text], shell))
    return found


def _texts(analysis, func_id: str, site: ir.CallSite, sym) -> list[str]:
    """A command given as one string: its text, with `…` for the parts sigcheck cannot know."""
    return list(dict.fromkeys(value_text(p) for p in analysis.paths.value(func_id, sym, site.index)))


def _folders(facts, site: ir.CallSite) -> list[str]:
    """Where the command's relative paths start: `cwd=` when known; else the image's working
    directory or, as `cwd=os.path.dirname(__file__)` has it, the launcher's folder."""
    image = facts.image
    beside = posixpath.dirname(facts.chain.python.image_path) or image.workdir
    cwd = dict(site.kwargs).get("cwd")
    if cwd is None:
        return list(dict.fromkeys([image.workdir, beside]))
    known = [v.value for v in facts.analysis.resolver.resolve(cwd) if isinstance(v, ConstV) and isinstance(v.value, str)]
    return [image.absolute(k) for k in known] or [beside]


def _detaches(analysis, site: ir.CallSite) -> bool:
    kwargs = dict(site.kwargs)
    if _is_true(kwargs.get("start_new_session")) or "process_group" in kwargs:
        return True
    preexec = kwargs.get("preexec_fn")
    return preexec is not None and any(analysis.resolver.qualname(v) in _NEW_SESSION for v in analysis.resolver.resolve(preexec))


def _is_true(sym) -> bool:
    return isinstance(sym, ir.Const) and bool(sym.value)
