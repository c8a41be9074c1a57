"""Command-line groups: a program whose subcommands are registered with a group or an app, which
runs the one the command line names.

A click group is a function decorated with `@click.group()`. Its subcommands are the functions
decorated with `@cli.command()` or `@cli.group()` (a nested group, with subcommands of its own),
and those handed to `cli.add_command(f)`, in any module. Calling the group (`cli()`) parses the
command line and runs, on this thread, the group's own function, then the subcommand named. The
decorator that makes a group, and the methods that register with it, come from knowledge
(spawning.toml: entries with `decorates = true`); the call graph adds an edge from the call to
each subcommand, as it does for `fire.Fire({...})`, and keeps their choice. A Typer app is an
object: calling it (`app()`) runs the functions of its module registered with `@app.command()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import FunctionV

if TYPE_CHECKING:
    from sigcheck.knowledge import Knowledge
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

_ADDERS = {"add_command": "command"}  # a method that registers its first argument, and as what


class CommandGroups:
    def __init__(self, project: "ProjectModel", resolver: "Resolver", knowledge: "Knowledge") -> None:
        self.project = project
        self.resolver = resolver
        self.knowledge = knowledge
        self._registrations: list[tuple[ir.Sym, str, ir.Sym]] | None = None  # (group, method, registered)
        self._groups: dict[str, frozenset[str] | None] = {}  # function -> the methods registering with it
        # a command registered by hand under its name (`app.command()(train)`): the function that
        # runs may be a decorator's wrapper, named otherwise (unsloth's add_options_from_config)
        self.names: dict[str, str] = {}

    def of_group(self, func_id: str, seen: frozenset[str] = frozenset()) -> list[frozenset[str]]:
        """What a call of the group `func_id` may run besides the group's own function: one of
        its subcommands, with what runs before it where the subcommand is a group too (`cli
        model fit` runs `model`, then `fit`). Empty when `func_id` is no group."""
        found: list[frozenset[str]] = []
        for command in dict.fromkeys(self._registered_with(func_id)):
            if command in seen or command == func_id:
                continue
            below = self.of_group(command, seen | {func_id})
            found += [alternative | {command} for alternative in below] or [frozenset({command})]
        return found

    def of_app(self, fn: ir.FunctionInfo, site: ir.CallSite, methods: list[str]) -> list[frozenset[str]]:
        """The functions registered with a method of the object called (`@app.command()` or
        `app.command()(train)` for `app()`, a Typer app): calling the app runs the one the
        command line names, after those registered as callbacks (`@app.callback()`). Library
        objects of one class are one value to the resolver: an app is told apart by where its
        name is bound (`app = typer.Typer()` in unsloth_cli, imported by the console script's
        program), else, in the calling module, by its spelling."""
        called = set(self.resolver.resolve(site.func))
        origin = self._origin(site.func)
        local = self._decorators_of(fn.module) if origin is None else set()
        commands, callbacks = [], []
        for receiver, method, registered in self._all_registrations():
            if method not in methods or called.isdisjoint(self.resolver.resolve(receiver)):
                continue
            same = self._origin(receiver) == origin if origin is not None \
                else receiver in local and _spelled_alike(receiver, site.func)
            for func_id in _functions(self.resolver.resolve(registered)) if same else ():
                (callbacks if method == "callback" else commands).append(func_id)
                if isinstance(registered, ir.Name):
                    self.names.setdefault(func_id, registered.name.replace("_", "-"))
        commands, callbacks = list(dict.fromkeys(commands)), list(dict.fromkeys(callbacks))
        return [frozenset({command, *callbacks}) for command in commands] or ([frozenset(callbacks)] if callbacks else [])

    def _decorators_of(self, module: str) -> set[ir.Sym]:
        return {(decorator.func if isinstance(decorator, ir.CallOf) else decorator).base
                for other in self.project.modules[module].functions.values() for decorator in other.decorators
                if isinstance(decorator.func if isinstance(decorator, ir.CallOf) else decorator, ir.Attr)}

    def _origin(self, sym: ir.Sym, depth: int = 0) -> tuple[str, str] | None:
        """Where a name read is bound, following `from m import name` to m: (scope, name). None
        for what is no plain name, or is bound more than once."""
        if not isinstance(sym, ir.Name) or depth > 8:
            return None
        owner, bindings = self.resolver.binding_scope(sym.name, sym.scope)
        if owner is None or len(bindings) != 1:
            return None
        imported = bindings[0].value
        if bindings[0].kind != "import":
            return owner.id, sym.name
        if not isinstance(imported, ir.Imported) or imported.name is None:
            return None
        target = self.project.resolve_import(imported.module, imported.importer)
        if target is None:
            return None
        return self._origin(ir.Name(imported.name, self.project.modules[target].body_id), depth + 1)

    def _registered_with(self, group: str) -> list[str]:
        methods = self._methods(group)
        if not methods:
            return []
        value = FunctionV(group)
        return [func_id for receiver, method, registered in self._all_registrations() if method in methods
                and value in self.resolver.resolve(receiver)
                for func_id in _functions(self.resolver.resolve(registered))]

    def _methods(self, func_id: str) -> frozenset[str] | None:
        """The methods that register with the function, when a decorator made it a group."""
        if func_id not in self._groups:
            self._groups[func_id] = None
            for decorator in self.project.functions[func_id].decorators:
                made_by = decorator.func if isinstance(decorator, ir.CallOf) else decorator
                for name in filter(None, map(self.resolver.qualname, self.resolver.resolve(made_by))):
                    for entry in self.knowledge.spawns.find(name):
                        if entry.option("decorates"):
                            self._groups[func_id] = frozenset(entry.option("registered-with", []))
                if self._groups[func_id] is None:
                    self._groups[func_id] = self._nested(made_by)
        return self._groups[func_id]

    def _nested(self, made_by: ir.Sym) -> frozenset[str] | None:
        """`@cli.group()`: a group registered with another group is a group itself, registered
        with as that one is."""
        if not (isinstance(made_by, ir.Attr) and made_by.attr == "group"):
            return None
        outer = [self._methods(v.func_id) for v in self.resolver.resolve(made_by.base) if isinstance(v, FunctionV)]
        return next((methods for methods in outer if methods and "group" in methods), None)

    def _all_registrations(self) -> list[tuple[ir.Sym, str, ir.Sym]]:
        """Every `@x.method(...)` decorator and `x.add_command(f)` call of the project, once."""
        if self._registrations is None:
            self._registrations = []
            for fn in self.project.functions.values():
                for decorator in fn.decorators:
                    made_by = decorator.func if isinstance(decorator, ir.CallOf) else decorator
                    if isinstance(made_by, ir.Attr):
                        self._registrations.append((made_by.base, made_by.attr, ir.FuncRef(fn.id)))
                for event in fn.events:
                    if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) \
                            and event.func.attr in _ADDERS and event.args:
                        self._registrations.append((event.func.base, _ADDERS[event.func.attr], event.args[0]))
                    elif isinstance(event, ir.CallSite) and isinstance(event.func, ir.CallOf) \
                            and isinstance(event.func.func, ir.Attr) and len(event.args) == 1:
                        # `app.command()(train)`: the decorator applied by hand
                        self._registrations.append((event.func.func.base, event.func.func.attr, event.args[0]))
        return self._registrations


def _functions(values) -> list[str]:
    return [v.func_id for v in values if isinstance(v, FunctionV)]


def _spelled_alike(one: ir.Sym, other: ir.Sym) -> bool:
    """Whether two names or attribute chains are written the same (`app` and `app`)."""
    if isinstance(one, ir.Name) and isinstance(other, ir.Name):
        return one.name == other.name
    if isinstance(one, ir.Attr) and isinstance(other, ir.Attr):
        return one.attr == other.attr and _spelled_alike(one.base, other.base)
    return False
