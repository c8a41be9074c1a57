"""Who passed a function that reaches a call through parameters: the edge to it holds only in
the runs of those passers (CallGraph.condition). `def launch(main): main()` shared by a dozen
tools runs, in each tool's run, the main that tool passed, not every tool's."""

from __future__ import annotations

from typing import Callable, Iterable

from sigcheck.model import ir
from sigcheck.model.argflow import parameter_index
from sigcheck.model.project import ProjectModel
from sigcheck.model.resolve import Resolver
from sigcheck.model.roots import scope_of
from sigcheck.model.values import ClassV, DictV, SeqV, Value


class Passing:
    def __init__(self, project: ProjectModel, resolver: Resolver, functions_of: Callable[[Value], list[str]]) -> None:
        self.project = project
        self.resolver = resolver
        self.functions_of = functions_of
        self._holding: dict[ir.Sym, frozenset[str]] = {}  # argument -> the functions its values hold

    def passers(self, keys: frozenset, func_id: str, seen: frozenset = frozenset()) -> frozenset[str] | None:
        """The functions whose calls pass `func_id` into the parameters `keys` (see condition);
        None when one of them is not known, or when `func_id` comes some other way. A parameter
        handed on as it is (`call_main(cfg, main)` -> `_spawn_helper(main, ...)` ->
        `distributed_main(main, ...)`) stands for its own passers: the script that chose `main`."""
        found: set[str] = set()
        for key in keys:
            for argument in self.resolver.flow.get(key, ()):
                if func_id in self._held_functions(argument):
                    through = self._handed_on(argument)
                    if through is not None and through not in seen:
                        deeper = self.passers(frozenset({through}), func_id, seen | {through})
                        if deeper is None:
                            return None
                        found |= deeper
                        continue
                    scope = self._passing_scope(argument)
                    if scope is None:
                        return None
                    found.add(scope)
        return frozenset(found) or None

    def _held_functions(self, argument: ir.Sym) -> frozenset[str]:
        """The functions an argument's values hold. Asked again for every function a call through
        the parameter reaches (a dozen tools' mains: a dozen times each), so kept: on all of
        transformers, recomputing it was a third of the call graph's time."""
        found = self._holding.get(argument)
        if found is None:
            found = self._holding[argument] = frozenset(
                f for value in _held(self.resolver.resolve(argument)) for f in [*self.functions_of(value), *self._methods(value)])
        return found

    def _methods(self, value: Value) -> list[str]:
        """A class's methods, its bases' included: what the instances the callee makes of it run
        (`task = task_class(args)`, then `task()`: dinov2's submit_jobs runs the Trainer's
        `__call__` only for the script that passed the Trainer)."""
        if not isinstance(value, ClassV):
            return []
        return [method for cls in self.resolver.mro(value.class_id) if isinstance(cls, ClassV)
                for method in self.project.classes[cls.class_id].methods.values()]

    def _handed_on(self, argument: ir.Sym) -> tuple[str, int] | None:
        """The parameter (function id, index) an argument is, when it is one and is never rebound."""
        if not isinstance(argument, ir.Name) or argument.scope not in self.project.functions:
            return None
        index = parameter_index(self.project.functions[argument.scope], argument.name)
        return None if index is None else (argument.scope, index)

    def _passing_scope(self, argument: ir.Sym) -> str | None:
        """The function whose call passes `argument`: where the expression is written, or for a
        decorator's argument (`@parse def main`), the decorated def itself."""
        while isinstance(argument, ir.Decorated):
            argument = argument.func
        parts = argument.options if isinstance(argument, ir.OneOf) else argument.items if isinstance(argument, ir.Seq) \
            else [sym for entry in argument.entries for sym in entry] if isinstance(argument, ir.DictOf) else None
        if parts is not None:  # `_loop if enabled else None`, `{"forward": f}`: where the parts are written
            scopes = {self._passing_scope(part) for part in parts if not isinstance(part, ir.Const)}
            return scopes.pop() if len(scopes) == 1 else None
        if isinstance(argument, ir.FuncRef) and argument.func_id in self.project.functions:
            fn = self.project.functions[argument.func_id]
            # a def is handed over so only to its decorators, whose wrapper runs it in the runs that call
            # the def's name (which stands for both): `@send_errors` on load_cfg and train runs train
            # only where train is called (axolotl; triage BW). A lambda is passed where it is written.
            return fn.id if fn.kind == "function" else fn.parent
        return scope_of(argument)


def _held(values: Iterable[Value]) -> Iterable[Value]:
    """The values, and the items of the lists, tuples and dicts among them."""
    for value in values:
        yield value
        if isinstance(value, (SeqV, DictV)):
            yield from _held(value.items if isinstance(value, SeqV) else [v for _, v in value.entries])
