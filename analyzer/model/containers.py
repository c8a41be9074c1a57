"""Values kept in containers: dict and list displays, what is stored into them later, iteration.

`handlers = {}`, later `handlers["term"] = on_term`, then `handlers["term"]()`: an item stands for
the matching entries of the display and for every value stored under a matching key into the same
variable, or the same attribute of `self` in the class, its bases and subclasses (`d[k] = v`,
`d.update({k: v})`, `d.setdefault(k, v)`, `ls.append(v)`, `ls += [v]`, `ls = ls + [v]`), wherever that happens
(a list variable appended to also holds the appended items after its display's, where it is returned):
flow-insensitive, as names are. Keys match when they are equal, or when either is not
known; a lookup by an unknown key that could give more than MAX_CHOICES values (a registry of
models picked by a configured name) gives one unknown value instead. Iterating a value gives a sequence's items, a dict's keys, a generator's yields, or what a
project class's `__next__` returns (on what its `__iter__` returns).
"""

from __future__ import annotations

from itertools import islice, product
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.lookups import common_base, module_globals_lookup
from sigcheck.model.values import UNKNOWN, ClassV, ConstV, DictV, ExternalV, FunctionV, InstanceV, SeqV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.model.resolve import Resolver

MAX_ENTRIES = 64  # entries of one dict display that are followed
MAX_ITEM_VALUES = 8  # values of one item of a tuple or list display (resolve's _MAX_VALUES)
MAX_CHOICES = 8  # values an item looked up by an unknown key may be; more are one unknown (registries)
_ANY_KEY = ir.Opaque("any key")  # `ls.append(v)`: stored under a key sigcheck does not know
_ITERATION = ir.Opaque("iteration")  # the key of the item a `for` loop takes, as the builder writes it
_STORING_METHODS = frozenset({"update", "setdefault", "append", "add", "insert", "extend"})
# Builtins whose result holds the items of their one argument (sorted, reversed: in another order)
_ITEMS_KEPT = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.reversed", "builtins.iter",
                         "builtins.set", "builtins.frozenset"})

Chain = tuple[ir.Sym, tuple[ir.Sym, ...]]  # `d["a"]["b"]`: the container d and the keys "a", "b"
Container = tuple[str, str, str]  # ("name", owning scope, name) or ("self", class id, attribute)


class Containers:
    def __init__(self, resolver: "Resolver", earlier: "Containers | None" = None, same_classes: bool = False) -> None:
        """`earlier`: the containers of another resolver of the same project, whose index of
        stores is taken over (it is read from the summaries alone, never resolved), and with
        `same_classes` (every class's bases resolve as they did there) its class hierarchy."""
        self.resolver = resolver
        self.project = resolver.project
        self._stores: dict[Container, list[tuple[tuple[ir.Sym, ...], ir.Sym]]] | None = \
            earlier._stores if earlier is not None else None
        self._related: dict[str, list[str]] = earlier._related if earlier is not None and same_classes else {}
        self._below: dict[str, list[str]] | None = earlier._below if earlier is not None and same_classes else None
        self.methods_below: dict = earlier.methods_below if earlier is not None and same_classes else {}  # overrides.py

    def dict_display(self, sym: ir.DictOf) -> list[Value]:
        entries: list[tuple[Value, Value]] = []
        for key, value in sym.entries:
            keys = self.resolver.resolve(key)
            known = keys[0] if len(keys) == 1 else UNKNOWN
            entries += [(known, v) for v in self.resolver.resolve(value)]
        return [DictV(tuple(entries[:MAX_ENTRIES]))]

    def sequence_display(self, sym: ir.Seq) -> list[Value]:
        """A tuple or list display, as sequences holding every value of each item: `return trainer,
        None` unpacks to each class `trainer` may be (axolotl's setup_model_and_trainer)."""
        each = [self.resolver.resolve(item)[:MAX_ITEM_VALUES] for item in sym.items]
        width = max((len(values) for values in each), default=1)
        return [SeqV(tuple(values[min(k, len(values) - 1)] for values in each)) for k in range(width)]

    def item(self, sym: ir.Item) -> list[Value]:
        """`base[key]`, or with an opaque key (`for x in base`) any item of base."""
        iterating = isinstance(sym.key, ir.Opaque)
        keys = () if iterating else self.resolver.resolve(sym.key)
        looked_up = module_globals_lookup(self.resolver, sym)
        if looked_up is not None:  # `globals()[name]`: a class of the module, the one named where the name is known
            named = {k.value for k in keys if isinstance(k, ConstV)}
            return narrowed(self.resolver, [c for c in looked_up if not named or c.class_id.rsplit(":", 1)[-1] in named])
        result: list[Value] = []
        for base in self.resolver.resolve(sym.base):
            if iterating:
                result += self.iterate(base)
            elif isinstance(base, SeqV):
                for key in keys:
                    index = key.value if isinstance(key, ConstV) and type(key.value) is int else None
                    if isinstance(key, UnknownV):  # `models[i]`: any of them (and of what is stored), as with a dict
                        result += base.items
                        continue
                    in_range = index is not None and -len(base.items) <= index < len(base.items)
                    result.append(base.items[index] if in_range else UNKNOWN)
            elif isinstance(base, DictV):
                matched = [value for stored, value in base.entries if any(_match(stored, key) for key in keys)]
                # a key read from a library's object (`FLAGS.trainer_name`, scenic's) is a run-time text: any entry
                result += matched or ([value for _, value in base.entries] if any(_of_a_library(key) for key in keys) else [])
            else:
                result.append(UNKNOWN)
        result += self._stored(sym, keys, iterating)
        if not iterating and any(isinstance(key, UnknownV) for key in keys) and _choices(result) > MAX_CHOICES:
            return narrowed(self.resolver, result)  # a configured name picks one of many registered classes
        return result

    def grown(self, sym: ir.Name, values: list[Value]) -> list[Value]:
        """A list variable the code appends to (`items = [model]; items.append(wrapper)`): its
        value holds the appended items after the display's, so that it keeps them where it
        leaves the variable behind (`return items`, then `model, optimizer = prepare(...)`:
        mmengine's strategies). Flow-insensitive, as stores are: each appended value once."""
        if not any(isinstance(v, SeqV) for v in values):
            return values
        container = self._container(sym)
        appended = [value for path, value in self._index().get(container, ()) if len(path) == 1 and path[0] is _ANY_KEY] \
            if container is not None else []
        if not appended:
            return values
        extra = tuple(self.resolver.resolve(value)[0] for value in appended[:MAX_ENTRIES])
        return [SeqV((*v.items, *extra)[:MAX_ENTRIES]) if isinstance(v, SeqV) else v for v in values]

    def slice(self, sym: ir.SliceOf) -> list[Value]:
        """`items[1:3]` of a sequence; where a bound is not a known integer, every item."""
        bounds = [self.resolver.resolve(b) if b is not None else (ConstV(None),) for b in (sym.lower, sym.upper)]
        known = all(len(v) == 1 and isinstance(v[0], ConstV) and (v[0].value is None or type(v[0].value) is int)
                    for v in bounds)
        result: list[Value] = []
        for base in self.resolver.resolve(sym.base):
            if isinstance(base, SeqV):
                result.append(SeqV(base.items[bounds[0][0].value:bounds[1][0].value]) if known else base)
            else:
                result.append(UNKNOWN)
        return result

    def iterate(self, value: Value) -> list[Value]:
        if isinstance(value, SeqV):
            return list(value.items)
        if isinstance(value, DictV):
            return [key for key, _ in value.entries]
        found: list[Value] = []
        for iterator in self._iterators(value):
            if isinstance(iterator, SeqV):  # `__iter__` is a generator
                found += iterator.items
            elif isinstance(iterator, InstanceV) and isinstance(iterator.of, ClassV):
                method = self.resolver.method_of(iterator.of.class_id, "__next__")
                found += self.resolver.returns(FunctionV(method, bound=1), (), ()) if method else []
        return found or [UNKNOWN]

    def made_by_builtin(self, func: ExternalV, call: ir.CallOf) -> list[Value] | None:
        """What `enumerate(xs)`, `zip(xs, ys)`, `list(xs)`, `sorted(xs)`... hold: their arguments'
        items, so that `for i, layer in enumerate(self.layers)` reaches each layer. None for
        other calls."""
        name = func.qualname
        if name == "collections.defaultdict" and call.args and not call.star:
            return [DictV(((UNKNOWN, made),)) for made in self._made_by(call.args[0])]
        if call.star or (name not in _ITEMS_KEPT and name not in ("builtins.enumerate", "builtins.zip")) \
                or (name == "builtins.iter" and len(call.args) > 1):  # iter(f, sentinel) calls f
            return None
        each = [self._items_of(arg) for arg in call.args]
        if not each:
            return [SeqV(())] if name != "builtins.enumerate" else None
        if name == "builtins.enumerate":
            return [SeqV(tuple(SeqV((UNKNOWN, item)) for item in each[0]))]
        if name == "builtins.zip":
            if len({len(items) for items in each}) == 1:  # as written: item by item
                return [SeqV(tuple(SeqV(items) for items in zip(*each)))]
            return [SeqV(tuple(SeqV(items) for items in islice(product(*each), MAX_ENTRIES)))]
        return [SeqV(tuple(each[0]))]

    def _made_by(self, factory: ir.Sym) -> list[Value]:
        """What a defaultdict's factory makes for a key it lacks (`defaultdict(LabelEncoder)`: an
        encoder, whose `fit` trains no model; gluonts' corpus, triage BZ)."""
        found: list[Value] = []
        for value in self.resolver.resolve(factory):
            if isinstance(value, (ClassV, ExternalV)):
                found.append(InstanceV(value))
            elif isinstance(value, FunctionV):
                found += self.resolver.returns(value, (), ())
            else:
                found.append(UNKNOWN)
        return found or [UNKNOWN]

    def _items_of(self, sym: ir.Sym) -> list[Value]:
        """What a `for` loop over `sym` gets: with what the code stores into it (`xs.append(v)`)."""
        return list(dict.fromkeys(self.resolver.resolve(ir.Item(sym, _ITERATION))))[:MAX_ENTRIES]

    def iteration_methods(self, value: Value) -> list[str]:
        """The project methods a `for` loop over `value` runs: `__iter__`, then `__next__`."""
        if not (isinstance(value, InstanceV) and isinstance(value.of, ClassV)):
            return []
        found = [m for m in [self.resolver.method_of(value.of.class_id, "__iter__")] if m]
        for iterator in self._iterators(value):
            if isinstance(iterator, InstanceV) and isinstance(iterator.of, ClassV):
                method = self.resolver.method_of(iterator.of.class_id, "__next__")
                if method and method not in found:
                    found.append(method)
        return found

    def _iterators(self, value: Value) -> list[Value]:
        if not (isinstance(value, InstanceV) and isinstance(value.of, ClassV)):
            return []
        method = self.resolver.method_of(value.of.class_id, "__iter__")
        return list(self.resolver.returns(FunctionV(method, bound=1), (), ())) if method else []

    # -- stores ---------------------------------------------------------------------------

    def _stored(self, sym: ir.Item, keys: tuple[Value, ...], iterating: bool) -> list[Value]:
        chain = _chain(sym)
        container = self._container(chain[0]) if chain else None
        if container is None:
            return []
        path = chain[1]
        if container[0] == "self":  # the instance may be of a base or a subclass of the method's class
            stores = [s for c in self._related_classes(container[1]) for s in self._index().get(("self", c, container[2]), ())]
        else:
            stores = self._index().get(container, [])
        found: list[Value] = []
        for stored_path, value in stores:
            if len(stored_path) != len(path) or not all(self._keys_match(a, b) for a, b in zip(stored_path[:-1], path[:-1])):
                continue
            last = self._values_of_key(stored_path[-1])
            if iterating or any(_match(stored, key) for stored in last for key in keys):
                found += self.resolver.resolve(value)
        return found

    def _keys_match(self, stored: ir.Sym, wanted: ir.Sym) -> bool:
        return any(_match(a, b) for a in self._values_of_key(stored) for b in self._values_of_key(wanted))

    def _values_of_key(self, key: ir.Sym) -> tuple[Value, ...]:
        return (UNKNOWN,) if isinstance(key, ir.Opaque) else self.resolver.resolve(key)

    def _container(self, root: ir.Sym) -> Container | None:
        if isinstance(root, ir.Name):
            return self._defined(self._owner(root.name, root.scope), root.name)
        if isinstance(root, ir.Attr) and isinstance(root.base, ir.Name):  # `self.table`, `cls.table` in a closure
            fn = self.project.functions.get(self._owner(root.base.name, root.base.scope))
            bindings = fn.bindings.get(root.base.name, ()) if fn is not None and fn.class_id else ()
            if len(bindings) == 1 and isinstance(bindings[0].value, ir.Param) and bindings[0].value.index == 0:
                return ("self", fn.class_id, root.attr)
        if isinstance(root, ir.Attr):  # `group.models` outside the class: the instance's own list
            classes = {v.of.class_id for v in self.resolver.resolve(root.base)
                       if isinstance(v, InstanceV) and isinstance(v.of, ClassV)}
            if len(classes) == 1:
                return ("self", classes.pop(), root.attr)
        return None

    def _defined(self, owner: str, name: str, depth: int = 0) -> Container:
        """The variable a name is: a module's name bound only by `from m import name` is m's, so a
        registry filled in one module and read in another is one container (trlx's trainers,
        registered by a decorator beside the dict and looked up by `get_trainer` elsewhere)."""
        fn = self.project.functions.get(owner)
        bindings = fn.bindings.get(name, ()) if fn is not None and fn.kind == "module" else ()
        imported = bindings[0].value if len(bindings) == 1 else None
        if isinstance(imported, ir.Imported) and imported.name is not None and depth < _MAX_REEXPORTS:
            target = self.project.resolve_import(imported.module, imported.importer)
            if target is not None and target in self.project.modules:
                return self._defined(self.project.modules[target].body_id, imported.name, depth + 1)
        return ("name", owner, name)

    def _related_classes(self, class_id: str) -> list[str]:
        """The class, the project classes in its MRO and those that inherit from it."""
        if class_id not in self._related:
            bases = [c.class_id for c in self.resolver.mro(class_id) if isinstance(c, ClassV)]
            below = [other for other in self.subclasses().get(class_id, ()) if other not in bases]
            self._related[class_id] = bases + below
        return self._related[class_id]

    def subclasses(self) -> dict[str, list[str]]:
        """Each project class's subclasses, direct or not (in the project's order), from one pass
        over the MROs: asking every class whether it inherits from this one is quadratic in a big
        package. Kept from round to round of the flow while the classes resolve the same."""
        if self._below is None:
            self._below = {}
            for other in self.project.classes:
                for cls in self.resolver.mro(other)[1:]:
                    if isinstance(cls, ClassV):
                        self._below.setdefault(cls.class_id, []).append(other)
        return self._below

    def _owner(self, name: str, scope: str) -> str:
        """The scope whose variable `name` is, seen from `scope` (as the resolver looks names up)."""
        fn = self.project.functions.get(scope)
        while fn is not None:
            if name in fn.globals:
                return self.project.modules[fn.module].body_id
            if name in fn.bindings or fn.kind == "module":
                return fn.id
            fn = self.project.functions.get(fn.parent) if fn.parent else None
        return scope

    def _index(self) -> dict[Container, list[tuple[tuple[ir.Sym, ...], ir.Sym]]]:
        """Container -> (key path, value) of every store into its items (found without resolving)."""
        if self._stores is None:
            self._stores = {}
            for fn in self.project.functions.values():
                for event in fn.events:
                    for (root, path), value in _stores_of(event):
                        container = self._container(root)
                        if container is not None:
                            self._stores.setdefault(container, []).append((path, value))
        return self._stores


_MAX_REEXPORTS = 8  # `from a import x` in b, `from b import x` in c, ...: a cycle of them ends here


def _stores_of(event: ir.Event) -> list[tuple[Chain, ir.Sym]]:
    if isinstance(event, ir.Assign) and isinstance(event.target, ir.Item):
        chain = _chain(event.target)
        return [(chain, event.value)] if chain else []
    concatenated = _concatenated(event)
    if concatenated is not None:
        target, added = concatenated
        return [((target, (_ANY_KEY,)), item) for item in added.items]
    if not (isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr in _STORING_METHODS):
        return []
    base = event.func.base
    container = _chain(base) if isinstance(base, ir.Item) else (base, ()) if isinstance(base, (ir.Name, ir.Attr)) else None
    if container is None:
        return []
    root, path = container
    method, args = event.func.attr, event.args
    if method == "update":
        entries = [*(args[0].entries if args and isinstance(args[0], ir.DictOf) else ()),
                   *((ir.Const(keyword), value) for keyword, value in event.kwargs)]
        return [((root, (*path, key)), value) for key, value in entries]
    if method == "setdefault" and len(args) == 2:
        return [((root, (*path, args[0])), args[1])]
    if method in ("append", "add") and len(args) == 1:
        return [((root, (*path, _ANY_KEY)), args[0])]
    if method == "insert" and len(args) == 2:
        return [((root, (*path, _ANY_KEY)), args[1])]
    if method == "extend" and len(args) == 1:
        return [((root, (*path, _ANY_KEY)), ir.Item(args[0], _ITERATION))]
    return []


def _concatenated(event: ir.Event) -> tuple[ir.Sym, ir.Seq] | None:
    """`xs += [a, b]` and `xs = xs + [a, b]` (or `[a, b] + xs`): the variable and the display
    whose items it gains, as `xs.extend([a, b])` would add them."""
    if isinstance(event, ir.Update) and isinstance(event.value, ir.Seq) and isinstance(event.sym, (ir.Name, ir.Attr)):
        return event.sym, event.value
    if not (isinstance(event, ir.Assign) and isinstance(event.value, ir.BinOp) and event.value.op == "+"
            and isinstance(event.target, (ir.Name, ir.Attr))):
        return None
    left, right = event.value.left, event.value.right
    if left == event.target and isinstance(right, ir.Seq):
        return event.target, right
    if right == event.target and isinstance(left, ir.Seq):
        return event.target, left
    return None


def _chain(sym: ir.Sym) -> Chain | None:
    keys: list[ir.Sym] = []
    while isinstance(sym, ir.Item):
        keys.insert(0, sym.key)
        sym = sym.base
    return (sym, tuple(keys)) if isinstance(sym, (ir.Name, ir.Attr)) and keys else None


def narrowed(resolver: "Resolver", values: list[Value]) -> list[Value]:
    """Up to MAX_CHOICES values as they are; more, the project base all of them are classes of
    (lookups.common_base), or unknown: which one is picked is not known."""
    if _choices(values) <= MAX_CHOICES:
        return values
    chosen = [v for v in values if not isinstance(v, (DictV, SeqV))]
    base = common_base(resolver, chosen) if all(isinstance(v, ClassV) for v in chosen) else None
    return [base] if base is not None else [UNKNOWN]


def _choices(values: list[Value]) -> int:
    """How many things a lookup may give, a table of tables not counted: `task_map[task]` gives
    one table per task, whose entry the next lookup picks by a name written out
    (`task_map[task]["trainer"]`: ultralytics' one trainer class per task)."""
    return len({value for value in values if not isinstance(value, (DictV, SeqV))})


def _of_a_library(key: Value) -> bool:
    return isinstance(key, ExternalV) or (isinstance(key, InstanceV) and isinstance(key.of, ExternalV))


def _match(stored: Value, key: Value) -> bool:
    if isinstance(stored, ConstV) and isinstance(key, ConstV):
        return stored.value == key.value  # as a dict compares its keys: 1 and True are one key
    return stored == key or isinstance(stored, UnknownV) or isinstance(key, UnknownV)


# A dict's own `get`, on a dict some factory made (`defaultdict(dict)`'s items: habitat-lab's registry)
_DICT_GETS = frozenset({"builtins.dict.get", "collections.OrderedDict.get", "collections.defaultdict.get"})


def is_dict_get(func: Value) -> bool:
    return isinstance(func, ExternalV) and func.qualname in _DICT_GETS


def is_lookup(call: ir.CallOf) -> bool:
    """`x.get(key)` or `x.get(key, default)` on what is no project object: a dict's lookup."""
    return isinstance(call.func, ir.Attr) and call.func.attr == "get" and 1 <= len(call.args) <= 2 \
        and not call.kwargs and not call.star
