"""The call graph over the project's functions, methods, lambdas and module bodies.

Edges are keyed by kind: how the caller makes the callee run.
  call       a direct call, a class instantiation (-> __init__), calling an instance (-> __call__),
             a for loop over a project iterable (-> __iter__, __next__), raising a class (-> __init__),
             a with statement over a project instance (-> __enter__),
             a function a command-line runner calls at once (fire.Fire(train): see run_now)
  import     importing a module runs its body
  reference  a project function passed to a library call (or one not resolved), which may call it
             on this thread; a project callee gets no such edge, its parameters take the function
             (argflow.py) and its own calls of them are edges
  callback   a method of a project object handed to a library (callbacks=[MyCallback()])
  thread, executor, process, atexit   started elsewhere (see knowledge/spawning.toml; a Ray
             worker's function is a process's: model/ray_workers.py)
  remote     sent to another machine to run there (runhouse): never part of this program's run
  handler    registered as a signal handler: runs when the signal arrives, never on the caller's path
"""

from __future__ import annotations

import fnmatch
import re
from collections import deque
from typing import Iterable


from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.argflow import receivers
from sigcheck.model.calltargets import CallTarget, CallTargets
from sigcheck.model.command_groups import CommandGroups
from sigcheck.model.ray_workers import RayWorkers
from sigcheck.model.registries import configured, registered_classes
from sigcheck.model.passing import Passing
from sigcheck.model.project import ProjectModel
from sigcheck.model.resolve import Resolver
from sigcheck.model.values import ClassV, DictV, ExternalV, InstanceV, SeqV, Value
from sigcheck.model.walks import MAIN_THREAD, GraphWalks, Step

IN_PROCESS = frozenset({"thread", "executor"})  # started from a call, run beside the main thread
HANDLER_WORK = frozenset({"call", "reference", "callback", "thread", "executor", "process"})
_HANDLER_REGISTRARS = ("signal.signal", "*.add_signal_handler")
# Builtins that look at an object they are handed and run none of its methods.
_INSPECTING = frozenset({"builtins.type", "builtins.isinstance", "builtins.issubclass", "builtins.id", "builtins.callable",
                         "builtins.hasattr", "builtins.vars", "builtins.dir"})
_REGISTRAR = re.compile("|".join(fnmatch.translate(p) for p in _HANDLER_REGISTRARS))  # once, for every call site


class CallGraph(CallTargets, GraphWalks):
    def __init__(self, project: ProjectModel, resolver: Resolver, knowledge: Knowledge,
                 roots: Iterable[str] | None = None) -> None:
        """With `roots`, the edges of the functions they reach, `built`; else of every function."""
        self.project = project
        self.resolver = resolver
        self.knowledge = knowledge
        import networkx as nx  # here, not at the top: a run answered from the cache never builds a graph

        self.graph = nx.MultiDiGraph()
        self._targets: dict[tuple[str, int], list[CallTarget]] = {}
        self._run_now: dict[tuple[str, int], list[str]] = {}  # see run_now
        self._started: dict[tuple[str, int], list[tuple[str, str]]] = {}  # see started
        self._choices: dict[tuple[str, int], list[frozenset[str]]] = {}  # see choices
        self._command_names: dict[str, str] = {}  # see command_name
        self._conditions: dict[tuple[str, int, str], frozenset[str]] = {}  # see condition
        self.conditional_callers: set[str] = set()  # functions with a call edge that held only for some passers
        self._class_calls: dict[str, list[tuple[str, ir.Sym]]] | None = None
        self._never_made: dict[str, bool] = {}  # see CallTargets._never_made_base
        self._getters: dict[tuple[str, str], str | None] = {}  # see CallTargets.property_getters
        self._bodies: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self._main_blocks: dict[str, frozenset[int]] = {}
        self._groups = CommandGroups(project, resolver, knowledge)
        self.ray = RayWorkers(project, resolver)
        self._passing = Passing(project, resolver, self.functions_of)
        self._made: dict[str, set[str]] = {}  # class id -> the functions that call it (make an instance)
        self._dispatched: list[tuple[str, int, str, str]] = []  # overrides reached from a base (see dispatch_conditions)
        self._plain: set[tuple[str, str]] = set()  # (caller, callee) of calls to what the callee resolved to
        self._registered: dict[str, list[str]] | None = None  # registry name -> project classes (registries.py)
        self._factories: dict[str, frozenset] = {}  # see _decorator_factories
        self.built: frozenset[str] = self._build(roots)
        self.dispatch_conditions(self._dispatched, self._plain, self._made)

    # -- queries --------------------------------------------------------------------------

    def targets(self, func_id: str, site: ir.CallSite) -> list[CallTarget]:
        key = (func_id, site.index)
        if key not in self._targets:
            self._targets[key] = self._resolve_call(site)
        return self._targets[key]

    def condition(self, step: Step) -> frozenset[str] | None:
        """Functions one of which a run must also run for this call to run `step.callee`: the
        callers that passed it as the argument the call reads (`Runner(train)` for `self.fn()` in
        `Runner.run`). The argument flow is the same for every entry point; this tells them apart.
        None: the call runs it whoever passed what."""
        return self._conditions.get((step.caller, step.site, step.callee))

    def run_now(self, func_id: str, site: ir.CallSite) -> list[str]:
        """Project functions a library call runs at once with its arguments (`fire.Fire(train)`),
        besides its targets: knowledge entries of kind call."""
        return self._run_now.get((func_id, site.index), [])

    def choices(self, func_id: str, site: int) -> list[frozenset[str]]:
        """Where a command-line runner runs one of several commands, whichever the command line
        names (a Typer app, a click group, `fire.Fire({...})`): each command with what runs
        before it (groups, callbacks). Empty for any other call."""
        return self._choices.get((func_id, site), [])

    @property
    def choice_sites(self) -> list[tuple[str, int]]:
        return list(self._choices)

    def command_name(self, func_id: str) -> str | None:
        """The name a command line gives the function, where a dict of subcommands says it."""
        return self._command_names.get(func_id)

    def command_names(self) -> set[str]:
        return set(self._command_names.values())

    def started(self, func_id: str, site: ir.CallSite) -> list[tuple[str, str]]:
        """Project functions a call starts on another thread of this process, with the edge kind
        (`threading.Thread(target=train)`, `pool.submit(train)`)."""
        return self._started.get((func_id, site.index), [])

    def qualnames(self, func_id: str, site: ir.CallSite, project: bool = False) -> list[str]:
        """Qualified names of what a call runs. Library calls only, unless `project` asks for the
        project's own functions and classes too: their bodies are read, their names not trusted."""
        return [t.qualname for t in self.targets(func_id, site) if t.qualname and (project or not t.in_project)]

    # -- construction ---------------------------------------------------------------------

    def _build(self, roots: Iterable[str] | None) -> frozenset[str]:
        functions = self.project.functions
        self.graph.add_nodes_from(functions)
        if roots is None:
            for fn in functions.values():
                self._add_edges(fn)
            return frozenset(functions)
        import networkx as nx

        final, self.graph = self.graph, nx.MultiDiGraph()
        built: dict[str, None] = {}
        queue = deque(roots)
        while queue:
            func_id = queue.popleft()
            if func_id in built or func_id not in functions:
                continue
            built[func_id] = None
            self.graph.add_node(func_id)
            self._add_edges(functions[func_id])
            queue.extend(callee for callee in self.graph.successors(func_id) if callee not in built)
        # Each caller's edges in the project's order, as a build over every function adds them:
        # callers() lists a function's callers in that order.
        for func_id in functions:
            if func_id in built:
                final.add_edges_from(self.graph.out_edges(func_id, keys=True, data=True))
        self.graph = final
        return frozenset(built)

    def _add_edges(self, fn: ir.FunctionInfo) -> None:
        for event in fn.events:
            self._add_event(fn, event)

    def _add_event(self, fn: ir.FunctionInfo, event: ir.Event) -> None:
        if isinstance(event, ir.CallSite):
            self._add_call(fn, event)
        elif isinstance(event, ir.Import):
            for body_id in self.imported_bodies(fn.module, event):
                self._edge(fn.id, body_id, "import", event.index)
        elif isinstance(event, ir.Loop) and event.iter is not None:  # `for x in obj`: obj.__iter__, then __next__
            for value in self.resolver.resolve(event.iter):
                for method in self.resolver.containers.iteration_methods(value):
                    self._edge(fn.id, method, "call", event.index)
        elif isinstance(event, ir.With):
            for method in self.entered_with(event):
                self._edge(fn.id, method, "call", event.index)
        elif isinstance(event, ir.Assign):  # `step_fn = self.train_step_property`: the read runs the getter
            for getter in self.property_getters(event.value):
                self._edge(fn.id, getter, "call", event.index)
        elif isinstance(event, ir.Raise) and event.exc is not None:  # `raise Error` instantiates it
            for value in self.resolver.resolve(event.exc):
                method = self.resolver.method_of(value.class_id, "__init__") if isinstance(value, ClassV) else None
                if method:
                    self._edge(fn.id, method, "call", event.index)

    def imported_bodies(self, module: str, event: ir.Import) -> list[str]:
        """Bodies of the project modules an import statement runs: `import a.b.c` runs a, a.b
        and a.b.c (a module importing itself runs nothing new). Run orders ask again for every
        entry point that passes the import: the answer is kept."""
        key = (module, event.modules)
        if key not in self._bodies:
            self._bodies[key] = self._imported_bodies(module, event.modules)
        return self._bodies[key]

    def _imported_bodies(self, module: str, modules: tuple[str, ...]) -> list[str]:
        found: list[str] = []
        for dotted in modules:
            parts = dotted.split(".")
            for end in range(1, len(parts) + 1):
                target = self.project.resolve_import(".".join(parts[:end]), module)
                if target and target != module:
                    body_id = self.project.modules[target].body_id
                    if body_id not in found:
                        found.append(body_id)
        return found

    def _edge(self, caller: str, callee: str, kind: str, site: int, passers: frozenset[str] | None = None) -> None:
        """An edge keeps `passers` (see condition) while every call it stands for holds only
        for them; one call that holds for any run makes the edge unconditional."""
        data = self.graph.get_edge_data(caller, callee, key=kind)
        if data is None:
            if passers:
                self.graph.add_edge(caller, callee, key=kind, site=site, passers=passers)
                self.conditional_callers.add(caller)
            else:
                self.graph.add_edge(caller, callee, key=kind, site=site)
            return
        if site != data["site"] and site not in data.get("more", ()):  # `if a: setup() else: setup()`
            data["more"] = (*data.get("more", ()), site)
        if "passers" in data:
            if passers:
                data["passers"] = data["passers"] | passers
            else:
                del data["passers"]

    def sites(self, caller: str, callee: str, kind: str) -> tuple[int, ...]:
        """Every call site in `caller` an edge stands for: the first, then the others."""
        data = self.graph.get_edge_data(caller, callee, key=kind)
        return () if data is None else (data["site"], *data.get("more", ()))

    def _edge_through(self, caller: str, callee: str, kind: str, site: int, flowing: frozenset | None) -> None:
        """An edge to a function that came through the parameters `flowing`: it holds only for the
        runs of the functions that passed it (see condition)."""
        passers = self._passing.passers(flowing, callee) if flowing else None
        self._edge(caller, callee, kind, site, passers)
        if passers:
            self._conditions[(caller, site, callee)] = passers

    def _add_call(self, fn: ir.FunctionInfo, site: ir.CallSite) -> None:
        targets = self.targets(fn.id, site)
        flowing = self.resolver.flowing.get(site.func)
        for value in self.resolver.resolve(site.func):
            if isinstance(value, ClassV):
                self._made.setdefault(value.class_id, set()).add(fn.id)
        for class_id in self._classmethod_receivers(fn.id, site):  # `BuildDict.main()`, whose `cls(opt)` makes one
            self._made.setdefault(class_id, set()).add(fn.id)
        for target in targets:
            if target.func_id:
                if target.dispatched_to:
                    self._dispatched.append((fn.id, site.index, target.func_id, target.dispatched_to))
                else:
                    self._plain.add((fn.id, target.func_id))
                self._edge_through(fn.id, target.func_id, "call", site.index, flowing)
                self._add_choice(fn, site, self._groups.of_group(target.func_id))  # `cli()`, a click group
        in_worker = self.ray.run_by(site)  # `actor.fit.remote(...)`: in a Ray worker
        for func_id in in_worker:
            self._edge(fn.id, func_id, "process", site.index)
        names = [t.qualname for t in targets if t.qualname]
        self._add_registered(fn, site, names)
        consumed: set[int] = set()
        for qualname in names:
            for entry in self.knowledge.spawns.find(qualname):
                if entry.option("decorates"):
                    continue  # `@click.group()` makes a runner of the function: see CommandGroups
                if entry.option("registered-with"):  # `app()`, a Typer app
                    self._add_choice(fn, site, self._groups.of_app(fn, site, entry.option("registered-with")))
                    self._command_names.update(self._groups.names)
                    continue
                if self.in_one_process(site, entry):
                    continue  # `launch(main, 1)`: the entry that calls it in this process serves
                now = entry.option("kind") == "call"
                for position, value, sym in self._callable_args(site, entry.option("target", [])) or \
                        self._default_target(fn, entry):
                    consumed.add(position)
                    if now and isinstance(value, (SeqV, DictV)):  # `fire.Fire({"train": train, ...})`
                        self._add_choice(fn, site, self._runner_choices(value))
                        self._command_names.update(self._runner_names(value))
                        continue
                    flowing = self.resolver.flowing.get(sym) if sym is not None else None  # `mp.spawn(func)` in a shared helper
                    for func_id in [*self.functions_of(value), *self._hook(value, entry.option("requeue-hook"))]:
                        self._edge_through(fn.id, func_id, entry.option("kind"), site.index, flowing)
                        if now:
                            self._run_now.setdefault((fn.id, site.index), []).append(func_id)
                        elif entry.option("kind") in IN_PROCESS:
                            self._started.setdefault((fn.id, site.index), []).append((func_id, entry.option("kind")))
        if site.decorator and site.args and self._attaches(site.func):  # `@trainer.on(Events.EPOCH_COMPLETED)`
            for func_id in (f for value in self.resolver.resolve(site.args[0]) for f in self.functions_of(value)):
                self._edge(fn.id, func_id, "callback", site.index)
        if site.decorator or "functools.partial" in names or self.resolver.wraps_argument(site.func, site.args, site.kwargs):
            return  # `@register`, `partial(f, x)` and `deco(...)(f)` keep f for later; `@atexit.register` was handled above
        if site.node in self._decorator_factories(fn):
            return  # `@run.cli.factory(target=pretrain)`: what makes the decorator is told whom to register, calls none
        if names and all(name in _INSPECTING for name in names):
            return  # `type(self)`, `isinstance(x, C)`: the object is looked at, none of its code runs
        registrar = any(_REGISTRAR.match(name) for name in names)
        if not registrar and (in_worker or self._project_receives(site)):
            return  # the callee's parameters receive the functions passed: its own calls of them are edges
        # Only a library calls back into an object it is handed; a project callee's own calls are
        # in the graph already.
        library = bool(targets) and not any(t.in_project for t in targets)
        named = self._methods_named(targets) if library else None
        for position, sym in enumerate([*site.args, *(v for _, v in site.kwargs)]):
            if position in consumed:
                continue
            for value in self.resolver.resolve(sym):
                self._add_reference(fn.id, site.index, value, "handler" if registrar else "reference", library,
                                    named, self.resolver.flowing.get(sym))

    def _attaches(self, decorator: ir.Sym) -> bool:
        """Whether a decorator is made by a library call that attaches the function to an object
        which calls it later on this thread (knowledge: a [[spawn]] of kind callback that decorates)."""
        return isinstance(decorator, ir.CallOf) and any(
            isinstance(v, ExternalV) and any(e.option("kind") == "callback" for e in self.knowledge.spawns.find(v.qualname))
            for v in self.resolver.resolve(decorator.func))

    def _decorator_factories(self, fn: ir.FunctionInfo) -> frozenset:
        """The calls of `fn` that make a decorator (`run.cli.factory(target=pretrain)` above a def), by node."""
        found = self._factories.get(fn.id)
        if found is None:
            found = self._factories[fn.id] = frozenset(e.func.node for e in fn.events if isinstance(e, ir.CallSite)
                                                       and e.decorator and isinstance(e.func, ir.CallOf))
        return found

    def _add_registered(self, fn: ir.FunctionInfo, site: ir.CallSite, names: list[str]) -> None:
        """`Runner.from_cfg(cfg)`: the methods of the project classes registered with the
        registries it builds from, as those of objects handed to a library."""
        entries = [entry for name in names for entry in self.knowledge.registry_builds.find(name)]
        written = _written(site.func)  # `RUNNERS.build(cfg)`, a project's Registry whose name tells what it builds
        entries += [entry for entry in self.knowledge.registry_builds.entries if written in entry.option("written", ())]
        registries = [r for entry in entries for r in entry.option("registries")]
        if not registries:
            return
        if self._registered is None:
            self._registered = configured(self.project, registered_classes(self.project, self.resolver))
        for class_id in dict.fromkeys(c for registry in registries for c in self._registered.get(registry, ())):
            for method in self.project.classes[class_id].methods.values():
                self._edge(fn.id, method, "callback", site.index)

    def _hook(self, value: Value, name: str | None) -> list[str]:
        """The method a library calls by name on an object it is handed, besides calling it
        (submitit's `checkpoint()`, on its requeue signal), where the object's class has one."""
        if not name or not (isinstance(value, InstanceV) and isinstance(value.of, ClassV)):
            return []
        method = self.resolver.own_method(value.of.class_id, name)
        return [method] if method else []

    def _methods_named(self, targets) -> frozenset[str] | None:
        """The methods, besides the special ones, a library call may call on a project object it is
        handed; None: any. A builtin (`print(obj)`, `sorted(objs)`) or a formatter (`logger.info("%s",
        obj)`) names none; a module wrapper (`torch.compile(model)`) torch.nn.Module's own."""
        named: set[str] = set()
        for target in targets:
            qualname = target.qualname or ""
            if qualname.startswith("builtins.") or self.knowledge.formatters.find(qualname):
                continue
            wrappers = self.knowledge.wrappers.find(qualname)
            if not wrappers:
                return None
            named.update(name for entry in wrappers for name in entry.option("methods", ()))
        return frozenset(named)

    def _add_reference(self, caller: str, site: int, value: Value, kind: str, library: bool,
                       named: frozenset[str] | None = None, flowing: frozenset | None = None) -> None:
        """`named`: the methods besides special ones a library may call on an object (None: any).
        `flowing`: the parameters the argument's value came through. A function passed in them
        is handed over only in the runs of its passers (see condition), as a call through them is."""
        if isinstance(value, (SeqV, DictV)):
            for item in value.items if isinstance(value, SeqV) else [v for _, v in value.entries]:
                self._add_reference(caller, site, item, kind, library, named, flowing)
        elif isinstance(value, InstanceV) and isinstance(value.of, ClassV) and kind == "reference" and library:
            info = self.project.classes[value.of.class_id]
            for name, method in info.methods.items():
                if named is None or name in named or (name.startswith("__") and name.endswith("__")):
                    self._edge(caller, method, "callback", site)
        else:
            for func_id in self.functions_of(value):
                self._edge_through(caller, func_id, kind, site, flowing)

    def _add_choice(self, fn: ir.FunctionInfo, site: ir.CallSite, alternatives: list[frozenset[str]]) -> None:
        """A runner that runs, at once, one of several sets of functions (a command, with the
        groups and callbacks that run before it): each is a call, and their choice is kept."""
        for func_id in dict.fromkeys(f for alternative in alternatives for f in sorted(alternative)):
            self._edge(fn.id, func_id, "call", site.index)
            self._run_now.setdefault((fn.id, site.index), []).append(func_id)
        if len(alternatives) > 1:
            self._choices.setdefault((fn.id, site.index), []).extend(alternatives)

    def _project_receives(self, site: ir.CallSite) -> bool:
        """Whatever the call runs is a project function, whose parameters take the arguments."""
        return all(any(True for _ in receivers(self.resolver, value)) for value in self.resolver.resolve(site.func))


def _written(func: ir.Sym) -> str:
    """A method call's receiver and method as written, by their last names: `RUNNERS.build`."""
    if not isinstance(func, ir.Attr):
        return ""
    base = func.base.name if isinstance(func.base, ir.Name) else func.base.attr if isinstance(func.base, ir.Attr) else ""
    return f"{base}.{func.attr}" if base else ""
