"""What a call runs: the project functions and library names a called value stands for, with
the methods a project subclass overrides for `self.step()` in a base (template methods)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sigcheck.model import ir
from sigcheck.model.argflow import argument_in
from sigcheck.model.overrides import as_called, methods_below, self_class
from sigcheck.model.products import CONFIGURED, configured_classes
from sigcheck.model.self_origins import made_classes, runs_override
from sigcheck.model.values import ClassV, ConstV, DictV, ExternalV, FunctionV, InstanceV, PartialV, SeqV, Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver


@dataclass(frozen=True)
class CallTarget:
    qualname: str | None  # for knowledge lookups; None when nothing is known
    func_id: str | None = None  # the project function that runs
    bound: int = 0
    bound_keywords: frozenset[str] = frozenset()
    in_project: bool = False  # a project function or class, matched by knowledge only if configured
    dispatched_to: str | None = None  # a subclass's override of `self.method()`: that subclass


class CallTargets:
    """Mixed into CallGraph, which provides the project, the resolver, the subclass index, and
    the graph with its conditions (which dispatch_conditions adds to)."""

    project: "ProjectModel"
    resolver: "Resolver"
    _class_calls: dict[str, list[tuple[str, ir.Sym]]] | None  # see _makers_anywhere
    _never_made: dict[str, bool]  # class id -> whether no call of the project makes one
    _getters: dict[tuple[str, str], str | None]  # see property_getters
    graph: Any  # networkx.MultiDiGraph
    conditional_callers: set[str]
    _conditions: dict[tuple[str, int, str], frozenset[str]]

    def functions_of(self, value: Value) -> list[str]:
        """Project functions that run when `value` is called."""
        if isinstance(value, FunctionV):
            return [value.func_id]
        if isinstance(value, PartialV):
            return self.functions_of(value.func)
        if isinstance(value, ClassV):
            return [t.func_id for t in self.method_targets(value.class_id, "__init__", 1) if t.func_id]
        if isinstance(value, InstanceV) and isinstance(value.of, ClassV):
            return [t.func_id for t in self.method_targets(value.of.class_id, "__call__", 1) if t.func_id]
        return []

    def entered_with(self, event: ir.With) -> list[str]:
        """`with Guard() as g:` runs Guard.__enter__ (or __aenter__) before its body."""
        found = []
        for value in (v for item in event.items for v in self.resolver.resolve(item)):
            for name in ("__enter__", "__aenter__") if isinstance(value, InstanceV) and isinstance(value.of, ClassV) else ():
                method = self.resolver.method_of(value.of.class_id, name)
                if method and method not in found:
                    found.append(method)
        return found

    def _resolve_call(self, site: ir.CallSite) -> list[CallTarget]:
        result = []
        for value in as_called(self.resolver, site.func, self.resolver.resolve(site.func)):  # overrides: _overrides
            result.extend(target for target in self.value_targets(value) if self._binds(target, site))
            if isinstance(value, ExternalV) and value.qualname in CONFIGURED:  # `instantiate(cfg.trainer)` runs __init__
                result += [t for class_id in configured_classes(self.project, site)[0]
                           for t in self.method_targets(class_id, "__init__", 1)]
        return result + self._overrides(site.func, result)

    def _binds(self, target: CallTarget, site: ir.CallSite) -> bool:
        """Whether the call gives each required parameter of the project function a value: one
        that leaves a parameter without raises TypeError before the function runs (`main()` under
        a main guard where `def main(args)`, ijepa's src/train.py). Judged only for a function called
        by the name its def binds and nothing else does: a wrapper (`gin.configurable(train)`,
        `main = hydra.main(...)(main)`), a decorator or star arguments may supply what is missing."""
        fn = self.project.functions.get(target.func_id) if target.func_id else None
        if fn is None or fn.decorators or site.star_args or site.unpacked is not None or site.spread is not None \
                or not self._named_by_its_def(site.func, fn):
            return True
        keywords = {name for name, _ in site.kwargs} | target.bound_keywords
        for position, param in enumerate(fn.params[target.bound:]):
            if param.has_default or param.kind in ("varargs", "varkw"):
                continue
            if (param.kind in ("pos", "posonly") and position < len(site.args)) or \
                    (param.kind != "posonly" and param.name in keywords):
                continue
            return False
        return True

    def _named_by_its_def(self, func: ir.Sym, fn: ir.FunctionInfo) -> bool:
        """Whether `func` is a bare name that only the def of `fn` binds, where the call looks it up."""
        if not (isinstance(func, ir.Name) and func.name == fn.name and fn.kind == "function"):
            return False
        scope = self.project.functions.get(func.scope)
        while scope is not None and func.name not in scope.bindings:
            scope = self.project.functions.get(scope.parent) if scope.parent else None
        return scope is not None and all(binding.kind == "def" for binding in scope.bindings[func.name])

    def _overrides(self, func: ir.Sym, found: list[CallTarget]) -> list[CallTarget]:
        """`self.step()` in a method of Base also runs `step` of any project subclass that
        overrides it: the instance may be one (template methods of Trainer subclasses). So does
        a call on an instance of a base the project never makes itself, which only an annotation
        or a plugin's class gives (`self.process: List[BaseProcess]`, ai-toolkit's jobs)."""
        if not isinstance(func, ir.Attr):
            return []
        class_id = self_class(self.resolver, func) or self._never_made_base(func.base)
        subclasses = self._subclasses().get(class_id) if class_id else None
        if not subclasses:
            return []
        return self._subclass_methods(func, found, class_id)

    def _never_made_base(self, receiver: ir.Sym) -> str | None:
        """The project class the receiver is an instance of, where that class has subclasses and
        no call in the project makes one of it: an instance of it is one of a subclass."""
        classes = {v.of.class_id for v in self.resolver.resolve(receiver) if isinstance(v, InstanceV) and isinstance(v.of, ClassV)}
        # beside others the receiver may be (ml-agents' trainer: a registry's class, or GhostTrainer wrapping it)
        bases = [class_id for class_id in sorted(classes) if self._subclasses().get(class_id) and self._never_made_class(class_id)]
        return bases[0] if len(bases) == 1 else None

    def _never_made_class(self, class_id: str) -> bool:
        if class_id not in self._never_made:  # asked at every call on such an instance
            self._never_made[class_id] = not self._makers_anywhere((class_id,))
        return self._never_made[class_id]

    def _subclass_methods(self, func: ir.Attr, found: list[CallTarget], base: str) -> list[CallTarget]:
        known = {t.func_id for t in found}
        extra = []
        # each subclass's own method, or a sibling base's (`self.on_update_end()` in one mixin, defined
        # in another: mmf's trainer), and where a subclass sets the attribute (`self.step = self.fast_step`)
        for class_id, method, assigned in methods_below(self.resolver, base, func.attr):
            if method and method not in known:
                known.add(method)
                extra.append(CallTarget(self.resolver.qualname(FunctionV(method)), method, 1, dispatched_to=class_id))
            if assigned:
                info = self.project.classes[class_id]
                for value in (v for sym in info.attributes[func.attr] for v in self.resolver.resolve(sym)):
                    for target in self.value_targets(value):
                        if target.func_id and target.func_id not in known:
                            known.add(target.func_id)
                            extra.append(replace(target, dispatched_to=class_id))
        return extra

    def dispatch_conditions(self, dispatched: list[tuple[str, int, str, str]], plain: set[tuple[str, str]],
                            made: dict[str, set[str]]) -> None:
        """A subclass's override that `self.run()` in a base reaches holds only in the runs that
        make an instance of that subclass (or of one below it): `Serve().main()` runs Serve.run,
        not Train.run. Where no project code makes one (a factory, a registry, a library), it
        holds for every run, as does a call that some other target makes plainly. The makers are
        looked for in all the project's code, not only the graph's: a run that never calls
        `megatron_sft_main()` makes no MegatronSft, though importing the package defines it."""
        origins: dict[str, frozenset[str] | None] = {}
        for caller, site, callee, subclass in dispatched:
            data = self.graph.get_edge_data(caller, callee, key="call")
            if data is None or "passers" in data or (caller, callee) in plain:
                continue
            if caller not in origins:
                origins[caller] = made_classes(self.project, self.resolver, self.graph, caller)
            if origins[caller] is not None and not runs_override(origins[caller], subclass, self._subclasses()):
                if data["site"] == site and not data.get("more"):  # no instance the project makes runs it
                    self.graph.remove_edge(caller, callee, key="call")
                continue
            classes = (subclass, *self._subclasses().get(subclass, ()))
            makers = frozenset(f for c in classes for f in made.get(c, ())) or self._makers_anywhere(classes)
            if makers:
                data["passers"] = makers
                self.conditional_callers.add(caller)
                self._conditions[(caller, site, callee)] = makers

    def _classmethod_receivers(self, func_id: str, site: ir.CallSite) -> list[str]:
        """The project classes a classmethod is called on (`BuildDict.main()` in ParlAI's scripts):
        its `cls` is that class, and what it makes with `cls(...)` is one of it."""
        func = site.func
        if not isinstance(func, ir.Attr) or not isinstance(func.base, (ir.Name, ir.Attr)):
            return []
        classes = [v.class_id for v in self.resolver.resolve(func.base) if isinstance(v, ClassV)]
        if not classes:
            return []
        methods = [self.project.functions[t.func_id] for t in self.targets(func_id, site) if t.func_id in self.project.functions]
        named = self.resolver.decorator_name
        return classes if any(named(d) == "classmethod" for m in methods for d in m.decorators) else []

    def property_getters(self, value: ir.Sym) -> list[str]:
        """The getters reading `value` runs: `self._partitioned_train_step`, a property of the
        object's class (t5x's cached_property that builds the jitted step), or either of `a or b`."""
        found = []
        for option in value.options if isinstance(value, ir.OneOf) else (value,):
            if not (isinstance(option, ir.Attr) and isinstance(option.base, ir.Name)):
                continue
            for made in self.resolver.resolve(option.base):
                if isinstance(made, InstanceV) and isinstance(made.of, ClassV):
                    key = (made.of.class_id, option.attr)
                    if key not in self._getters:
                        self._getters[key] = self.resolver.property_getter(*key)
                    found += [self._getters[key]] if self._getters[key] else []
        return found

    def _makers_anywhere(self, classes: tuple[str, ...]) -> frozenset[str]:
        """The functions, reached or not, with a call that makes one of these classes: the calls
        written with a class's name are resolved (one pass over the project indexes those written
        with any project class's name, not every call: a million on all of transformers)."""
        if self._class_calls is None:
            self._class_calls = {}
            class_names = {cls.qualname.rsplit(".", 1)[-1] for cls in self.project.classes.values()}
            for fn in self.project.functions.values():
                for event in fn.events:
                    if isinstance(event, ir.CallSite) and isinstance(event.func, (ir.Name, ir.Attr)):
                        for name in _class_names_called(fn, event.func, class_names):
                            self._class_calls.setdefault(name, []).append((fn.id, event.func))
        wanted = set(classes)
        names = {self.project.classes[c].qualname.rsplit(".", 1)[-1] for c in classes}
        return frozenset(func_id for name in names for func_id, func in self._class_calls.get(name, ())
                         if any(isinstance(v, ClassV) and v.class_id in wanted for v in self.resolver.resolve(func)))

    def _subclasses(self) -> dict[str, list[str]]:
        """Project class id -> the project classes that inherit from it, directly or not."""
        return self.resolver.containers.subclasses()

    def value_targets(self, value: Value) -> list[CallTarget]:
        name = self.resolver.qualname(value)
        if isinstance(value, FunctionV):
            return [CallTarget(name, value.func_id, value.bound, value.bound_keywords, True)]
        if isinstance(value, PartialV):
            return [CallTarget(t.qualname, t.func_id, t.bound + value.bound, t.bound_keywords | value.bound_keywords,
                               t.in_project) for t in self.value_targets(value.func)]
        if isinstance(value, ClassV):
            return [CallTarget(name, in_project=True)] + self.method_targets(value.class_id, "__init__", 1)
        if isinstance(value, InstanceV) and isinstance(value.of, ClassV):
            return self.method_targets(value.of.class_id, "__call__", 1)
        if isinstance(value, InstanceV):  # a library object called: timm's NativeScaler runs a step
            return [CallTarget(f"{value.of.qualname}.__call__")]
        return [CallTarget(name)] if name else []

    def method_targets(self, class_id: str, method: str, bound: int) -> list[CallTarget]:
        for cls in self.resolver.mro(class_id):
            if isinstance(cls, ClassV):
                methods = self.project.classes[cls.class_id].methods
                if method in methods:
                    func_id = methods[method]
                    return [CallTarget(self.resolver.qualname(FunctionV(func_id)), func_id, bound, in_project=True)]
        return []

    def _runner_choices(self, value: SeqV | DictV) -> list[frozenset[str]]:
        """A dict or list of subcommands (`CLI({"pretrain": setup, ...})`): a command-line
        runner calls the one the command line names."""
        items = value.items if isinstance(value, SeqV) else [v for _, v in value.entries]
        return [frozenset(found) for item in items if (found := self.functions_of(item))]

    def _runner_names(self, value: SeqV | DictV) -> dict[str, str]:
        """The name the command line gives each function of a dict of subcommands (litgpt's
        `CLI({"pretrain": setup, ...})`: `litgpt pretrain` runs `setup`)."""
        if not isinstance(value, DictV):
            return {}
        return {func_id: key.value for key, item in value.entries if isinstance(key, ConstV) and isinstance(key.value, str)
                for func_id in self.functions_of(item)}

    def _default_target(self, fn: ir.FunctionInfo, entry) -> list[tuple[int, Value, ir.Sym | None]]:
        """What a runner given no function calls (`tf.app.run()`: this module's `main`)."""
        name = entry.option("default-target")
        if name is None:
            return []
        return [(-1, v, None) for v in self.resolver.resolve(ir.Name(name, self.project.modules[fn.module].body_id))]

    def in_one_process(self, site: ir.CallSite, entry) -> bool:
        """Whether a launcher that starts a process per GPU (an entry's `unless-single` counts)
        is told there is one: each count literally 1, or left to its default of 1. Then it calls
        the function in this process and starts none."""
        for slots in entry.option("unless-single", []):
            sym = argument_in(site, slots)
            if sym is not None and not all(isinstance(v, ConstV) and v.value == 1 for v in self.resolver.resolve(sym)):
                return False
        return bool(entry.option("unless-single"))

    def _callable_args(self, site: ir.CallSite, slots: list[str]) -> list[tuple[int, Value, ir.Sym | None]]:
        """The arguments named by a spawn entry's `target` slots, as (argument position, value,
        the argument as written). A position past those written is an item of the `*` argument
        (`CLI(*args)` in a wrapper of jsonargparse's CLI)."""
        found = []
        keywords = dict(site.kwargs)
        for slot in slots:
            sym, position = None, -1
            if slot.startswith("#"):
                position = int(slot[1:])
                if position < len(site.args):
                    sym = site.args[position]
                elif site.unpacked is not None:  # no written argument: its position is none of theirs
                    sym, position = ir.Item(site.unpacked, ir.Const(position - len(site.args))), -1
            elif slot in keywords:
                position = len(site.args) + [k for k, _ in site.kwargs].index(slot)
                sym = keywords[slot]
            if sym is not None:
                found += [(position, v, sym) for v in self.resolver.resolve(sym)]
        return found


def _class_names_called(fn: ir.FunctionInfo, func: ir.Name | ir.Attr, class_names: set[str]) -> list[str]:
    """The class names a call may make a class by: its own (`ERM()`, `algorithms.ERM()`), or for
    a name the function binds to a class's name, that one (`algorithm_class = algorithms.ERM`,
    then `algorithm_class()`)."""
    name = func.name if isinstance(func, ir.Name) else func.attr
    if name in class_names or not isinstance(func, ir.Name):
        return [name] if name in class_names else []
    held = [b.value for b in fn.bindings.get(name, ()) if b.kind == "assign"]
    return [n for value in held if isinstance(value, (ir.Name, ir.Attr))
            and (n := value.name if isinstance(value, ir.Name) else value.attr) in class_names]
