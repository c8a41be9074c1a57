"""sigcheck's own name resolution: symbols to values, across modules, without libcst metadata.

Resolution is flow-insensitive: a name bound several times may stand for each of its values, and
a parameter for every argument its call sites pass (see argflow.py); a call's result is resolved
with that call's own arguments where the function returns a parameter. Items of containers are in
containers.py. Unknown stays unknown; nothing is guessed from spelling except what a library
call makes (products.py: `threading.Event()` an instance of it, Gym's `make` an environment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from sigcheck.model import ir
from sigcheck.model.argflow import Flow, argument_flow, returned_for_call, returned_on_receiver
from sigcheck.model.containers import Containers, is_dict_get, is_lookup
from sigcheck.model.class_members import ClassMembers
from sigcheck.model.members import ModuleMembers
from sigcheck.model.mro import linearised
from sigcheck.model.overrides import as_called, overriding_methods, override_returns
from sigcheck.model.read_tracking import ReadTracking
from sigcheck.model.namespaces import NamespaceDefaults
from sigcheck.model.products import NAMESPACE, configured_values, is_factory, made_instance, receiver_returned, runs_its_argument
from sigcheck.model.ray_workers import ray_api_result
from sigcheck.model.text_imports import made_from_text
from sigcheck.model.values import (UNKNOWN, ClassV, ConfiguredV, ConstV, ExternalV, FunctionV, InstanceV, ModuleV,
                                   PartialV, SeqV, SuperV, UnknownV, Value)

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel

_MAX_DEPTH = 12
_NO_CUT = 1 << 30
_MAX_VALUES = 8  # values of a symbol; those that run project code may be more (below)
_COMPREHENSIONS = frozenset({"ListComp", "SetComp", "GeneratorExp"})  # items like its element, how many unknown
_STAGES = frozenset({"lower", "compile"})  # ahead-of-time compiling a jitted function: what is called runs it
_MAX_CODE_VALUES = 64  # argflow.MAX_FUNCTIONS: each script's main passed to one shared launch()


class Resolver(ReadTracking, ModuleMembers, ClassMembers):
    def __init__(self, project: "ProjectModel", flow: Flow | None = None, earlier: "Resolver | None" = None,
                 changed: set | None = None) -> None:
        """`earlier`: a resolver of the same project with another flow (argflow's last round),
        whose answers that read none of the `changed` parameters' arguments are taken over (all
        that never read the flow, if `changed` is None). `earlier` is not used afterwards."""
        self.project = project
        self._flow = flow  # None: computed on first use (argflow passes each round's own)
        self._memo: dict[ir.Sym, tuple[tuple[Value, ...], frozenset | None]] = {}  # values, and `flowing`'s keys
        # Which memoised symbols read the argument flow (directly or through one that does), and
        # the parameters whose arguments they read: argflow re-resolves only the call sites that
        # read a parameter whose arguments changed in the round before.
        self.flowing: dict[ir.Sym, frozenset] = {}
        self._mro: dict[str, list[ClassV | ExternalV]] = {}  # class id -> its linearisation
        self._overriding: set[tuple[str, str]] = set()  # see ClassMembers._overriding_properties
        same_classes = False
        if earlier is not None:
            self._memo, self.flowing = earlier._memo, earlier.flowing  # taken, not copied
            dropped = set()
            for sym, keys in list(self.flowing.items()):
                if changed is None or not keys.isdisjoint(changed):
                    del self._memo[sym], self.flowing[sym]
                    dropped.add(sym)
            # Every class's bases resolve as before, so its linearisation is the same.
            same_classes = not dropped or dropped.isdisjoint(b for c in project.classes.values() for b in c.bases)
            if same_classes:
                self._mro = earlier._mro
        # symbol -> the symbol whose cycle cut its answer short (see resolve)
        self._provisional: dict[ir.Sym, ir.Sym] = {sym: head for sym, head in earlier._provisional.items()
                                                   if sym in self._memo} if earlier else {}
        self._active: dict[ir.Sym, int] = {}  # the symbols being resolved, by depth
        self._cut_at = _NO_CUT  # the shallowest depth a cycle went back to, while it is being resolved
        self._star_searches: set[tuple[str, str]] = set()  # (module, name) being looked up through `import *`
        # (module, name) -> what its star imports bind it to, and the parameters that read; only
        # searches no cycle cut short are kept, their answer is the same wherever they are asked.
        self._star_found: dict[tuple[str, str], tuple[tuple[Value, ...], frozenset]] = {}
        self._star_cuts = 0
        self._may_call: dict = {}  # see may_call_library: read from the summaries alone
        self.namespaces = earlier.namespaces if earlier is not None else NamespaceDefaults(project)
        ReadTracking.__init__(self, earlier)
        self.containers = Containers(self, earlier.containers if earlier is not None else None, same_classes)

    @property
    def flow(self) -> Flow:
        if self._flow is None:
            self._flow = {}  # while it is computed, this resolver's own parameters take no arguments
            self._flow = argument_flow(self.project)
        return self._flow

    # -- entry points ---------------------------------------------------------------------

    def resolve(self, sym: ir.Sym | None) -> tuple[Value, ...]:
        if sym is None:
            return (UNKNOWN,)
        cached = self._memo.get(sym)
        if cached is not None and (sym not in self._provisional or self._within_its_cycle(sym)):
            values, keys = cached
            if keys is not None and self._reads:
                self._read(keys)
            return values
        if not self._active:
            self._cut_at = _NO_CUT  # a question of its own (one that raised may have left a cut behind)
        level = self._active.get(sym)
        if level is not None or len(self._active) > _MAX_DEPTH * 4:
            # a cycle such as `x = x.parent`: give up on it, not on the run
            self._cut_at = min(self._cut_at, 0 if level is None else level)
            return (UNKNOWN,)
        level = self._active[sym] = len(self._active)
        self._reads.append(None)
        try:
            values = _dedupe(self._resolve(sym))
        finally:
            del self._active[sym]
            keys = self._reads.pop()
            if keys:
                keys = self._interned(keys)
                self._read(keys)
        if self._cut_at < level:
            # Inside a cycle cut at an outer symbol: this answer lacks what the cut left out
            # (`model = model.fit(X, y)` asked from within `model`: no SVC). It serves the rest of
            # this question, while that symbol is being resolved, and is worked out again after.
            self._provisional[sym] = next(head for head, depth in self._active.items() if depth == self._cut_at)
        else:
            self._cut_at = _NO_CUT
            self._provisional.pop(sym, None)
        if keys:
            self.flowing[sym] = keys
        self._memo[sym] = (values, keys or None)  # with what it read: a memo hit asks one dict, not two
        return values

    def _within_its_cycle(self, sym: ir.Sym) -> bool:
        """Whether a provisional answer serves here: only while the symbol whose cycle cut it short
        is still being resolved, and then what uses it is cut short by the same cycle. Once that
        symbol is answered, the answer lacks what the cycle's other paths found (mmengine's
        `self._train_loop = self.build_train_loop(self._train_loop)`): kept, it would make every
        symbol that used it later in the question incomplete for good."""
        level = self._active.get(self._provisional[sym])
        if level is None:
            return False
        self._cut_at = min(self._cut_at, level)
        return True

    def qualname(self, value: Value) -> str | None:
        """The dotted name knowledge patterns are matched against."""
        if isinstance(value, ExternalV):
            return value.qualname
        if isinstance(value, FunctionV):
            fn = self.project.functions[value.func_id]
            return f"{fn.module}.{fn.qualname}"
        if isinstance(value, ClassV):
            cls = self.project.classes[value.class_id]
            return f"{cls.module}.{cls.qualname}"
        if isinstance(value, UnknownV) and value.tail:
            return "?." + value.tail
        return None

    # -- symbols --------------------------------------------------------------------------

    def _resolve(self, sym: ir.Sym) -> Iterable[Value]:
        if isinstance(sym, ir.Name):
            return self.containers.grown(sym, self.lookup(sym.name, sym.scope))
        if isinstance(sym, ir.Attr):
            found = [v for base in self.resolve(sym.base) for v in self.attribute(base, sym.attr)]
            return found + overriding_methods(self, sym, found)
        if isinstance(sym, ir.CallOf):
            if isinstance(sym.func, ir.Attr) and sym.func.attr in _STAGES:  # `jax.jit(step).lower(x).compile()`
                staged = [v for v in self.resolve(sym.func.base) if isinstance(v, FunctionV)]
                if staged:
                    return [UNKNOWN, *staged]
            returned = receiver_returned(self, sym.func)
            if returned is not None:
                return returned
            return [v for func in as_called(self, sym.func, self.resolve(sym.func)) for v in self._call_result(func, sym)]
        if isinstance(sym, ir.Const):
            return [ConstV(sym.value)]
        if isinstance(sym, ir.FuncRef):
            return [ClassV(sym.func_id) if sym.func_id in self.project.classes else FunctionV(sym.func_id)]
        if isinstance(sym, ir.Seq):
            return self.containers.sequence_display(sym)
        if isinstance(sym, ir.Opaque) and sym.kind in _COMPREHENSIONS and sym.reads:  # as a generator's yields
            return [SeqV(tuple(self.resolve(sym.reads[0])[:_MAX_VALUES]))]
        if isinstance(sym, ir.Item):
            return self.containers.item(sym)
        if isinstance(sym, ir.DictOf):
            return self.containers.dict_display(sym)
        if isinstance(sym, ir.SliceOf):
            return self.containers.slice(sym)
        if isinstance(sym, ir.Imported):
            return self._imported(sym)
        if isinstance(sym, ir.Param):
            return self._param(sym)
        if isinstance(sym, ir.Decorated):
            return self._decorated(sym)
        if isinstance(sym, ir.OneOf):
            return [v for option in sym.options for v in self.resolve(option)]
        if isinstance(sym, ir.Declared):
            return self._declared(sym)
        return [UNKNOWN]

    def _declared(self, sym: ir.Declared) -> list[Value]:
        """The value where it is known; where not, an instance of the declared class."""
        values = self.resolve(sym.value)
        if not any(isinstance(v, UnknownV) for v in values):
            return list(values)
        declared = [InstanceV(v) for v in self.resolve(sym.annotation) if isinstance(v, (ClassV, ExternalV))]
        return [v for v in values if not isinstance(v, UnknownV)] + declared if declared else list(values)

    def lookup(self, name: str, scope: str) -> list[Value]:
        owner, bindings = self.binding_scope(name, scope)
        if bindings:
            return [v for binding in bindings for v in self._binding(binding)]
        return self._module_fallback(owner.module, name) if owner is not None else [UNKNOWN]

    def attribute(self, base: Value, attr: str) -> Iterable[Value]:
        if isinstance(base, ModuleV):
            return self.member(base, attr)
        if isinstance(base, ExternalV):
            return [ExternalV(f"{base.qualname}.{attr}")]
        if isinstance(base, ClassV):
            return self._class_member(base.class_id, attr, bound=False)
        if isinstance(base, SuperV):
            return self._class_member(base.class_id, attr, bound=True, skip_own=True)
        if isinstance(base, InstanceV):
            if isinstance(base.of, ClassV):
                return self._class_member(base.of.class_id, attr, bound=True)
            if base == NAMESPACE:  # an option's value, as when parse_args() was not known, or what set_defaults gives
                return [*self.namespaces.given(self, attr), UnknownV(attr)]
            return [ExternalV(f"{base.of.qualname}.{attr}")]
        if isinstance(base, ConstV) and isinstance(base.value, str):
            return [ExternalV("builtins.str." + attr)]
        if isinstance(base, UnknownV):
            return [UnknownV(f"{base.tail}.{attr}" if base.tail else attr)]
        return [UnknownV(attr)]

    def mro(self, class_id: str) -> list[ClassV | ExternalV]:
        """Python's C3 linearisation: `class D(B, C)` with `B(A)` and `C(A)` looks in C before A.
        Bases that cannot be ordered so fall back to depth-first, left to right. A library class
        ends its branch (its own bases are not known)."""
        return linearised(class_id, self._bases, self._mro)

    def _bases(self, class_id: str) -> list[ClassV | ExternalV]:
        """A subscripted generic base (`Algorithm[TPolicy]`, tianshou's) is the class it subscripts."""
        info = self.project.classes[class_id]
        return [v for v in dict.fromkeys(v for base in info.bases for v in self.resolve(base.base if isinstance(base, ir.Item) else base))
                if isinstance(v, (ClassV, ExternalV)) and v != ClassV(class_id)]

    def method_of(self, class_id: str, name: str) -> str | None:
        """The project method `name` that instances of a class run, found along its MRO."""
        for cls in self.mro(class_id):
            if isinstance(cls, ClassV) and name in self.project.classes[cls.class_id].methods:
                return self.project.classes[cls.class_id].methods[name]
        return None

    def decorator_name(self, decorator: ir.Sym) -> str:
        values = self.resolve(decorator)
        name = self.qualname(values[0]) if values else None
        return (name or "").rsplit(".", 1)[-1]

    def _call_result(self, func: Value, call: ir.CallOf) -> list[Value]:
        made_by_ray = ray_api_result(func, call, self.resolve)  # `Trainer.remote()`: an actor's handle
        if made_by_ray is not None:
            return made_by_ray
        if isinstance(func, PartialV) and isinstance(func.func, (ClassV, ExternalV)):
            func = func.func  # `partial(StandardScaler, copy=False)()`: an instance of the class (pyg's GraphLand)
        if isinstance(func, ClassV):
            return [InstanceV(func)]
        if is_dict_get(func) and is_lookup(call):  # on a dict a factory made: `defaultdict(dict)[kind].get(name)`
            return self._looked_up(call)
        if isinstance(func, ExternalV):
            if func.qualname == "builtins.super":
                return self._super(call)
            if func.qualname == "builtins.type" and len(call.args) == 1:  # `type(self)(args)`: a new one of its class
                classes = [v.of for v in self.resolve(call.args[0]) if isinstance(v, InstanceV) and isinstance(v.of, ClassV)]
                return classes or [UnknownV()]
            if func.qualname == "functools.partial" and call.args:
                keywords = frozenset(k for k, _ in call.kwargs)
                return [PartialV(v, len(call.args) - 1, keywords) for v in self.resolve(call.args[0])]
            if runs_its_argument(func) and call.args:  # `jax.pmap(train_step, axis_name="batch")`
                return [UNKNOWN, *(v for v in self.resolve(call.args[0]) if isinstance(v, (FunctionV, PartialV)))]
            if (made := made_instance(func)) is not None:
                return configured_values(self.project, made, call) if isinstance(made, ConfiguredV) else [made]
            return self.containers.made_by_builtin(func, call) or self.attribute_by_name(call) \
                or made_from_text(self, func, call) or [UnknownV()]
        if isinstance(func, FunctionV):
            receiver = call.func.base if func.bound and isinstance(call.func, ir.Attr) else None
            return self.returns(func, call.args, call.kwargs, call.star, receiver)
        if isinstance(func, UnknownV) and self.wraps_argument(call.func, call.args, call.kwargs):
            return [UNKNOWN, *(v for v in self.resolve(call.args[0]) if isinstance(v, (FunctionV, PartialV, ClassV)))]
        if isinstance(func, UnknownV) and is_lookup(call):  # `table.get(key, default)`: an item, or the default
            return self._looked_up(call)
        return [UNKNOWN]

    def _looked_up(self, call: ir.CallOf) -> list[Value]:
        default = call.args[1] if len(call.args) == 2 else ir.Const(None)
        return [*self.resolve(ir.Item(call.func.base, call.args[0])), *self.resolve(default)]

    def wraps_argument(self, func: ir.Sym, args: tuple[ir.Sym, ...], kwargs: tuple) -> bool:
        """`factory(...)(f)` where the factory is a library function: a decorator factory's
        decorator applied by hand (`unittest.skipUnless(c, why)(test)`, `hydra.main(...)(main)`,
        `ray.remote(num_gpus=1)(f)`). It wraps f without calling it; calling what it returns runs f."""
        if not (isinstance(func, ir.CallOf) and len(args) == 1 and not kwargs):
            return False
        if not all(is_factory(v) for v in self.resolve(func.func)):
            return False
        return all(isinstance(v, UnknownV) for v in self.resolve(func)) \
            and all(isinstance(v, (FunctionV, PartialV, ClassV)) for v in self.resolve(args[0]))

    def returns(self, func: FunctionV, args: tuple[ir.Sym, ...], kwargs: tuple[tuple[str, ir.Sym], ...],
                star: bool = False, receiver: ir.Sym | None = None) -> list[Value]:
        """What calling `func` with these arguments returns. A parameter returned as it is
        (`def register(fn): ...; return fn`) stands for this call's argument, not every call's; an
        attribute of `self` unknown on the method's own class, for the `receiver`'s."""
        fn = self.project.functions[func.func_id]
        if fn.yields:  # a generator function: the call makes an iterator over what it yields
            return [SeqV(tuple(v for sym in fn.yields[:_MAX_VALUES] for v in self.resolve(sym)))]
        values: list[Value] = []
        for returned in fn.returns[:_MAX_VALUES]:
            passed = returned_for_call(fn, func.bound, returned, args, kwargs, star)
            found = self.resolve(passed if passed is not None else returned)
            if receiver is not None and func.bound and all(isinstance(v, UnknownV) for v in found):
                on_receiver = returned_on_receiver(fn, returned, receiver)
                found = self.resolve(on_receiver) if on_receiver is not None else found
            values.extend(found)
        return values or override_returns(self, fn, func.bound) or [UNKNOWN]

    def _decorated(self, sym: ir.Decorated) -> list[Value]:
        """What the decorator returns when handed `sym.func`; that itself too where the decorator's
        result cannot be followed (a library decorator, as a rule, returns a wrapper calling it) or
        is a wrapper defined in the decorator (`def deco(fn): def wrapper(...)`): a call of the
        name runs the def that wrapper was made for (see walks.reaching's own_calls)."""
        found: list[Value] = []
        unknown = False
        for decorator in self.resolve(sym.decorator):
            if isinstance(decorator, InstanceV) and isinstance(decorator.of, ClassV):
                method = self.method_of(decorator.of.class_id, "__call__")
                decorator = FunctionV(method, bound=1) if method else decorator
            results: list[Value] = []  # what the decorator is known to return
            if isinstance(decorator, FunctionV):
                results = [v for v in self.returns(decorator, (sym.func,), ()) if _runs_project_code(v)]
                if any(isinstance(v, FunctionV) and self.project.functions[v.func_id].parent == decorator.func_id for v in results):
                    results += self.resolve(sym.func)
            elif isinstance(decorator, ClassV):
                results = [InstanceV(decorator)]
            found += results
            unknown = unknown or not results
        return found + list(self.resolve(sym.func)) if unknown else found

    def _super(self, call: ir.CallOf) -> list[Value]:
        """`super(C, self)` names its class; `super()` takes the class of the method it is in."""
        if call.args:
            return [SuperV(v.class_id) if isinstance(v, ClassV) else UNKNOWN for v in self.resolve(call.args[0])]
        fn = self.project.functions.get(call.func.scope) if isinstance(call.func, ir.Name) else None
        if fn is not None and fn.class_id is not None:
            return [SuperV(fn.class_id)]
        return [UNKNOWN]

    def _param(self, sym: ir.Param) -> list[Value]:
        fn = self.project.functions[sym.func_id]
        if sym.index == 0 and fn.class_id is not None and fn.kind == "function":
            decorators = {self.decorator_name(d) for d in fn.decorators}
            if "staticmethod" not in decorators:
                cls = ClassV(fn.class_id)
                return [cls if "classmethod" in decorators else InstanceV(cls)]
        values: list[Value] = []
        if sym.annotation is not None:
            for v in self.resolve(sym.annotation):
                if isinstance(v, (ClassV, ExternalV)):
                    values.append(InstanceV(v))
        if sym.default is not None:
            values.extend(v for v in self.resolve(sym.default) if not (isinstance(v, ConstV) and v.value is None))
        self._read(((sym.func_id, sym.index),))
        for argument in self.flow.get((sym.func_id, sym.index), ()):
            values.extend(self.resolve(argument))
        return values or [UNKNOWN]


def _runs_project_code(value: Value) -> bool:
    return isinstance(value, (FunctionV, PartialV, ClassV)) or (isinstance(value, InstanceV) and isinstance(value.of, ClassV))


def _dedupe(values: Iterable[Value]) -> tuple[Value, ...]:
    """The distinct values, the first _MAX_VALUES of them, and besides those the project functions
    and classes up to _MAX_CODE_VALUES: a runner shared by many scripts (`launch(main)` in each)
    must run every script's main, or the scripts past the cut train unseen."""
    if type(values) is list and len(values) == 1:  # most symbols have one value: nothing to drop
        return (values[0],)
    seen: dict[Value, None] = {}
    others = code = 0
    for value in values:
        is_code = _runs_project_code(value)
        if value in seen or (code >= _MAX_CODE_VALUES if is_code else others >= _MAX_VALUES):
            continue
        code, others = code + is_code, others + (not is_code)
        seen[value] = None
        if others >= _MAX_VALUES and code >= _MAX_CODE_VALUES:
            break
    return tuple(seen) or (UNKNOWN,)

