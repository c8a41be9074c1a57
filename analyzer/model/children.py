"""Calls that start the training in a child process: `subprocess` running a training command
(`python` running a script, `torchrun`, a `.py` script, ..., judged by the program, not by any
word), `os.system`, or `multiprocessing.Process` /
`torch.multiprocessing.spawn` with a target that performs a training step.

Found once over the whole project: rules then ask which of them an entry point's run meets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.argflow import argument_at, argument_in, parameter_index, positions_unknown, receivers
from sigcheck.model.callgraph import CallGraph, Step
from sigcheck.model.training_commands import UNKNOWN, Scripts, command_trains
from sigcheck.model.commands import RERUN, joined_words, positional_words, seq_words, split_text
from sigcheck.model.pathvalues import value_text
from sigcheck.model.signals import signal_numbers
from sigcheck.model.values import ConstV, ExternalV, SeqV

if TYPE_CHECKING:
    from sigcheck.model.signals import HandlerRegistration
    from sigcheck.model.runs import RunView
    from sigcheck.model.work import WorkFinder
    from sigcheck.model.pathvalues import PathTracker

_COMMAND_APIS = ("subprocess.", "asyncio.", "os.", "commands.")  # run a command line, not a function


@dataclass(frozen=True)
class ChildStart:
    func_id: str
    site: ir.CallSite
    api: str  # the library function called, e.g. "subprocess.Popen"
    runs: str  # "command": a training command line; "target": a function that trains; "library": a library's trainer named
    shell: bool = False  # the command goes through /bin/sh
    targets: tuple[str, ...] = ()  # "target": the functions run in the child that reach a training step
    when: str | None = None  # a launcher that starts children only then: "when it is given more than one GPU"
    reruns: bool = False  # the command runs the program itself again (`... + sys.argv`): it trains where the run does


# torch.multiprocessing's spawn and start_processes start each child with `start_method="spawn"`
# unless told otherwise: a fresh interpreter, which has none of the parent's signal handlers.
_FRESH_BY_DEFAULT = {"torch.multiprocessing.spawn": 5, "torch.multiprocessing.start_processes": 6}


def starts_fresh_interpreter(graph: CallGraph, start: ChildStart) -> bool:
    """Whether the child is a new interpreter that only re-imports the main module (the spawn start
    method), not a fork of the parent: a handler the parent registered is its own only where that
    import registers it again. torch.multiprocessing.spawn's default; a Process of a context
    `get_context("spawn")` makes; any Process once the module sets that method
    (`mp.set_start_method("spawn")`)."""
    position = _FRESH_BY_DEFAULT.get(start.api)
    if position is None:
        fn = graph.project.functions[start.func_id]
        receiver = start.site.func.base if isinstance(start.site.func, ir.Attr) else None
        made = [b.value for b in fn.bindings.get(receiver.name, ())] if isinstance(receiver, ir.Name) else [receiver]
        return start.api.endswith("Process") and (any(_asks_fresh(m, "get_context") for m in made)
                                                 or _module_sets_fresh(graph.project, fn.module))
    method = dict(start.site.kwargs).get("start_method") or (start.site.args[position] if len(start.site.args) > position else None)
    return method is None or (isinstance(method, ir.Const) and method.value in ("spawn", "forkserver"))


def _asks_fresh(sym: ir.Sym | None, name: str) -> bool:
    """`get_context("spawn")`, `set_start_method("forkserver")`: a call of `name` naming a fresh start."""
    return isinstance(sym, ir.CallOf) and isinstance(sym.func, (ir.Attr, ir.Name)) and sym.args \
        and (sym.func.attr if isinstance(sym.func, ir.Attr) else sym.func.name) == name \
        and isinstance(sym.args[0], ir.Const) and sym.args[0].value in ("spawn", "forkserver")


def _module_sets_fresh(project, module: str) -> bool:
    return any(isinstance(e, ir.CallSite) and _asks_fresh(ir.CallOf(e.func, e.args), "set_start_method")
               for fn in project.modules[module].functions.values() for e in fn.events)


def lacks_parents_handler(graph: CallGraph, registration: "HandlerRegistration", start: ChildStart) -> bool:
    """Whether a child lacks a SIGTERM handler the parent registers (a HandlerRegistration). A fresh
    interpreter has only those the module code its import of the main module runs registers; a
    forked child lacks one the parent registers after the fork: later in the same function, outside
    any loop around the start, and not in module code a spawned child runs again."""
    fn = graph.project.functions[registration.func_id]
    if starts_fresh_interpreter(graph, start):  # barlowtwins' torch.multiprocessing.spawn under Slurm (triage CM)
        return fn.kind != "module" or registration.site.index in graph.main_block(fn.id)
    if registration.func_id != start.func_id or registration.site.index <= start.site.index:
        return False
    if fn.kind == "module" and registration.site.index not in graph.main_block(fn.id):
        return False
    return not any(isinstance(e, ir.Loop) and e.index < start.site.index < e.end
                   and e.index < registration.site.index < e.end for e in fn.events)


def find_child_starts(paths: "PathTracker", knowledge: Knowledge, work: "WorkFinder",
                      run_of: "Callable[[str], RunView] | None" = None) -> list[ChildStart]:
    """`run_of(body)`: what a program whose module body that is runs (a RunView): a script
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
                 site: ir.CallSite, run_of: "Callable[[str], RunView] | None" = None) -> ChildStart | None:
    graph = paths.graph
    ray = tuple(f for f in graph.ray.run_by(site) if f in work.training_anywhere)
    if ray:  # an actor's method or a remote task: a Ray worker process
        return ChildStart(func_id, site, "ray", "target", targets=ray)
    names = [n for n in graph.qualnames(func_id, site) if knowledge.children.find(n)]
    if not names:
        return None
    api = names[0]
    program = next((e.option("program") for e in knowledge.commands.find(api) if e.option("program")), None)
    if api.startswith(_COMMAND_APIS) or program:
        command = site.args[0] if site.args else dict(site.kwargs).get("args")
        scripts = Scripts(graph, func_id, work, run_of, _folders(paths, func_id, site))
        argvs = [*(_commands(paths, func_id, site, command) if command is not None else ()),
                 *_word_commands(paths, knowledge, func_id, site, api)]
        argvs = [[program, *argv] for argv in argvs] if program else argvs  # `deepspeed` run in this process
        if any(RERUN in argv for argv in argvs):
            return ChildStart(func_id, site, api, "command", api.startswith(("os.", "commands.")), reruns=True)
        if not any(command_trains(knowledge, argv, scripts) for argv in argvs):
            return None
        shell = api.startswith(("os.", "commands.")) or _is_true(dict(site.kwargs).get("shell"))
        return ChildStart(func_id, site, api, "command", shell)
    # the function each process runs, where the knowledge of how the call starts it names it
    starts = [entry for entry in knowledge.spawns.find(api)
              if entry.option("kind") == "process" and not graph.in_one_process(site, entry)]
    targets = [t for t in (argument_in(site, entry.option("target", [])) for entry in starts) if t is not None]
    training = tuple(dict.fromkeys(f for target in targets for value in graph.resolver.resolve(target)
                                   for f in graph.functions_of(value) if f in work.stepping))
    when = next((entry.option("when") for entry in starts if entry.option("when")), None)
    if not training and _names_a_trainer(graph, site, starts):  # `tune.run("PPO")`: RLlib's algorithm trains in the trials
        return ChildStart(func_id, site, api, "library", when=when)
    return ChildStart(func_id, site, api, "target", targets=training, when=when) if training else None


def _names_a_trainer(graph: CallGraph, site: ir.CallSite, starts: list) -> bool:
    """Whether the call is handed, where the knowledge says a name there is a library's trainer
    (`trains-named`: Ray Tune's trainable), a text: `tune.run("PPO", ...)`."""
    named = [a for a in (argument_in(site, e.option("trains-named", [])) for e in starts) if a is not None]
    return any(isinstance(v, ConstV) and isinstance(v.value, str) and v.value for a in named for v in graph.resolver.resolve(a))


def handing_steps(paths: "PathTracker", knowledge: Knowledge, work: "WorkFinder", child: ChildStart,
                  runs: Callable[[str, ir.Event], bool],
                  run_of: "Callable[[str], RunView] | None" = None) -> list[Step]:
    """The calls, outermost first, that hand a shared launcher what makes its child train: the
    command (`run_command(["torchrun", ..., "train.py"])` beside `run_command(["whoami"])`), or
    the Ray method's name (`group.execute_all("fit")` beside `execute_all("init_model")`), from
    a function `runs` accepts. A trace through the launcher's first caller would show another
    call. Empty when what it starts is written at the start, or no caller of this run hands it."""
    if child.runs == "command":
        handed = child.site.args[0] if child.site.args else dict(child.site.kwargs).get("args")

        def trains(caller: str, site: ir.CallSite, argument: ir.Sym) -> bool:
            scripts = Scripts(paths.graph, caller, work, run_of, _folders(paths, child.func_id, child.site))
            return any(command_trains(knowledge, argv, scripts) for argv in _commands(paths, caller, site, argument))
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
                 if (passed := argument_at(fn, bound, index, site.args, site.kwargs, positions_unknown(site))) is not None), None)


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
                if names and not _kills_outright(graph, knowledge, event, names[0]):
                    return names[0]
    return None


# Where a forwarding call takes the signal it sends: (name, position, keyword)
_SIGNAL_ARGUMENT = {"os.kill": (1, "sig"), "os.killpg": (1, "sig"), "signal.pthread_kill": (1, "signalnum")}


def _kills_outright(graph: CallGraph, knowledge: Knowledge, site: ir.CallSite, name: str) -> bool:
    """A call that sends SIGKILL (`proc.kill()`, `os.killpg(pgid, signal.SIGKILL)`, axlearn's
    agent): the child dies at once, and no handler of its own runs, so it passes no stop on."""
    if name.endswith(".kill") and name not in _SIGNAL_ARGUMENT:
        return True  # Popen.kill(), Process.kill(): SIGKILL
    position, keyword = _SIGNAL_ARGUMENT.get(name, (0, "sig") if name.endswith(".send_signal") else (None, None))
    if position is None:
        return False
    sym = site.args[position] if len(site.args) > position else dict(site.kwargs).get(keyword)
    numbers = signal_numbers(graph.resolver.resolve(sym), knowledge) if sym is not None else None
    return numbers == frozenset({knowledge.signals.get("SIGKILL", 9)})


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


def _folders(paths: "PathTracker", func_id: str, site: ir.CallSite) -> tuple[str, ...]:
    """The folders a call's `cwd=` may name, where written out."""
    cwd = dict(site.kwargs).get("cwd")
    found = paths.value(func_id, cwd, site.index) if cwd is not None else ()
    return tuple(possible.literal for possible in found if possible.literal)


def _shell_commands(text: str) -> Iterable[list[str | None]]:
    """A command line cut at `;`, `&&`, `||`, `|` and newlines, each as words (`…`, a part sigcheck
    cannot know, is no word of its own); a command put in the background with `&` is left out,
    unless the line waits for it. A script's path whose start is not known keeps the known
    end: `…/opt/single_node/run_1.3b.sh` (DeepSpeed-Chat's `os.path.join(os.getcwd(), ...)`)."""
    waits = _WAIT.search(text) is not None
    start = 0
    for separator in [*_SEPARATOR.finditer(text), None]:
        end = separator.start() if separator is not None else len(text)
        part, start = text[start:end], separator.end() if separator is not None else end
        if separator is not None and separator.group() == "&" and not waits:
            continue  # `nohup python train.py > log 2>&1 &`: detached, no child the caller waits for (yolov7's resume)
        words = [_partial(w) if UNKNOWN in w else w for w in part.split()]
        if words:
            yield words


# `&&`, `||`, `;`, `|`, newlines, and a lone `&` that puts a command in the background (not `2>&1`, `&>`)
_SEPARATOR = re.compile(r"&&|\|\||[;|\n]|(?<![&>])&(?![&>])")
_WAIT = re.compile(r"(?:^|[;&|\n])\s*wait\b")


_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _partial(word: str) -> str | None:
    """A shell script's path by its known end; any other partial word is unknown. A Python script's
    name alone says too little: DeepLearningExamples' evaluate.py runs `python {main_path} eval`,
    and main.py trains only when told `train`. A variable's assignment before the program
    (`PYTHONPATH=$PYTHONPATH:{templatedir} tune run ...`: torchtune's SageMaker launcher) stays one,
    whatever its value."""
    if _ASSIGNMENT.match(word):
        return word
    tail = word.rsplit(UNKNOWN, 1)[1]
    return UNKNOWN + tail if tail.startswith("/") and tail.endswith(".sh") and len(tail) > 4 else None


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
