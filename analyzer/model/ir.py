"""The compact per-module summary that every analysis reads instead of the syntax tree.

A function is a flat list of events in source order. Structured statements (loops, branches,
try, with) are events that record the index range of the events inside them, so containment
and "what comes after" are index comparisons. Expressions are kept as unresolved symbols
(`Sym`); the project resolves them once every module is known.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, Union

from sigcheck.model.compact import hash_kept, rebuilt_by_constructor

# A node of the module's syntax tree, by number: its span is in `ModuleSummary.spans`, so the
# summary can outlive the tree, be pickled to the cache and cross process boundaries.
NodeId = int


# -- symbols: expressions as written, resolved later by the project ---------------------------

class _Hashed:
    """A symbol keeps its hash once computed: resolution looks symbols up in memos and sets many
    times each, and a nested symbol's hash would be worked out from its whole tree every time.

    Symbols are never changed once built, but their classes are not frozen: a frozen dataclass
    sets each field through `object.__setattr__` in its `__init__`, which made building the
    cached summaries (a few hundred thousand symbols) 40% slower."""

    __slots__ = ("_hash",)


@dataclass(slots=True, unsafe_hash=True)
class Name(_Hashed):
    name: str
    scope: str  # id of the function whose scope the name is looked up from


@dataclass(slots=True, unsafe_hash=True)
class Attr(_Hashed):
    base: "Sym"
    attr: str


@dataclass(slots=True, unsafe_hash=True)
class CallOf(_Hashed):
    func: "Sym"
    args: tuple["Sym", ...] = ()
    kwargs: tuple[tuple[str, "Sym"], ...] = ()
    node: NodeId | None = field(default=None, compare=False, repr=False)  # where the call is, for traces
    star: bool = False  # `*args` or `**kwargs` among the arguments


@dataclass(slots=True)  # its own __eq__ and __hash__
class Const(_Hashed):
    value: Any
    node: NodeId | None = field(default=None, compare=False, repr=False)  # where the literal is written

    # 0 == False == 0.0 with equal hashes: by value alone, `xs[0]` was answered from `False`'s memo
    def __eq__(self, other: object) -> bool:
        return type(other) is Const and type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(slots=True, unsafe_hash=True)
class FuncRef(_Hashed):
    func_id: str


@dataclass(slots=True, unsafe_hash=True)
class Seq(_Hashed):
    items: tuple["Sym", ...]


@dataclass(slots=True, unsafe_hash=True)
class Item(_Hashed):
    base: "Sym"
    key: "Sym"


@dataclass(slots=True, unsafe_hash=True)
class Imported(_Hashed):
    """`import a.b` (name None, binds `a` unless aliased) or `from a.b import name`."""

    module: str
    name: str | None = None
    importer: str = ""  # the importing module: a script's own folder is on its import path


@dataclass(slots=True, unsafe_hash=True)
class Param(_Hashed):
    func_id: str
    index: int
    annotation: "Sym | None" = None
    default: "Sym | None" = None


@dataclass(slots=True, unsafe_hash=True)
class Opaque(_Hashed):
    """An expression sigcheck does not model. Unknown stays unknown. Arithmetic keeps the names,
    attributes and items it reads: `lr * w.grad` reads a gradient (see gradients.py)."""

    kind: str = ""
    reads: tuple["Sym", ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class BinOp(_Hashed):
    """`a + b`, `a / b` (pathlib), `a % b`: kept for the path values built with them."""

    op: str
    left: "Sym"
    right: "Sym"
    node: NodeId | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)
class FString(_Hashed):
    parts: tuple["Sym", ...]  # Const for the literal text, other symbols for the {fields}
    node: NodeId | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True, unsafe_hash=True)
class SliceOf(_Hashed):
    """`base[lower:upper]`; None for a bound left out. A slice with a step is not modelled."""

    base: "Sym"
    lower: "Sym | None"
    upper: "Sym | None"


@dataclass(slots=True, unsafe_hash=True)
class DictOf(_Hashed):
    """A dict display `{k: v, ...}` (`**spread` entries are left out)."""

    entries: tuple[tuple["Sym", "Sym"], ...]


@dataclass(slots=True, unsafe_hash=True)
class Decorated(_Hashed):
    """`decorator(func)` for `@decorator def f` (`func` is the def itself or what the decorators
    below return): what the decorator returns, or `func` where that is not known (a library's
    decorator). The name `f` is bound to this and, as the wrapper calls it, to the def itself."""

    decorator: "Sym"
    func: "Sym"


@dataclass(slots=True, unsafe_hash=True)
class OneOf(_Hashed):
    """An expression whose value is one of several: `a if test else b`, `a or b`."""

    options: tuple["Sym", ...]
    # what the test of `a if test else b` looks at: not the value, but a stop flag read so
    # (`torch.tensor(1 if STOP else 0)`) is looked at where the value is computed
    test_reads: tuple["Sym", ...] = field(default=(), compare=False)


@dataclass(slots=True, unsafe_hash=True)
class Declared(_Hashed):
    """`trainer: Trainer = instantiate(cfg.trainer)`: the value, and the class the annotation
    declares it an instance of, which stands in where the value is not known (a factory)."""

    value: "Sym"
    annotation: "Sym"


Sym = Union[Name, Attr, CallOf, Const, FuncRef, Seq, Item, Imported, Param, Opaque, BinOp, FString, SliceOf, DictOf,
            Decorated, OneOf, Declared]


for _cls in Sym.__args__:
    hash_kept(_cls)


# -- events -----------------------------------------------------------------------------------

@dataclass(slots=True, eq=False)
class Event:
    index: int
    node: NodeId = field(repr=False)  # where it is written: only used for positions of what is reported


@dataclass(slots=True, eq=False)
class CallSite(Event):
    func: Sym
    args: tuple[Sym, ...] = ()
    kwargs: tuple[tuple[str, Sym], ...] = ()
    star_args: bool = False  # a `*` or `**` argument
    decorator: bool = False  # `@d` above a def: d is called with the new function, which it need not call
    unpacked: Sym | None = None  # `f(a, *cmd)`: a `*` argument after every plain positional one
    spread: Sym | None = None  # `f(**options)`: the one `**` argument, whose keys are keywords
    positions_kept: bool = False  # star arguments, all `**`: each positional one is where it is written


@dataclass(slots=True, eq=False)
class Assign(Event):
    target: Sym
    value: Sym


@dataclass(slots=True, eq=False)
class Read(Event):
    sym: Sym


@dataclass(slots=True, eq=False)
class Update(Read):
    """`sym op= value`: sym is read (as by any Read) and rewritten from value."""

    value: Sym


@dataclass(slots=True, eq=False)
class Raise(Event):
    exc: Sym | None


@dataclass(slots=True, eq=False)
class Import(Event):
    """An import statement: running it runs the bodies of the project modules it names."""

    modules: tuple[str, ...] = ()  # absolute dotted names, as in `ModuleSummary.imports`


@dataclass(slots=True, eq=False)
class Jump(Event):
    kind: str  # "break" | "continue" | "return"


@dataclass(slots=True, eq=False)
class Loop(Event):
    kind: str  # "for" | "while"
    end: int = 0
    body_end: int = 0  # body is (index, body_end); the else clause is (body_end, end)
    iter: Sym | None = None
    target: Sym | None = None
    test_reads: tuple[Sym, ...] = ()
    infinite: bool = False  # `while True` / `while 1`
    test_end: int = 0  # a while-loop's test: its events are (index + 1, test_end), run before each pass
    exits: bool = False  # a break, return or raise directly inside the body


@dataclass(slots=True, eq=False)
class Branch(Event):
    test_start: int = 0  # events of the test are (test_start, index)
    then_end: int = 0  # then-branch is (index, then_end); else is (then_end, end)
    end: int = 0
    test_reads: tuple[Sym, ...] = ()
    guard: str | None = None  # "main" (`__name__ == "__main__"`), "platform" (OS checks), "type-checking", "benchmark"
    flag: str | None = None  # `if no_sync:`: the name tested as it is
    periodic: bool = False  # the test takes a remainder (`if step % 500 == 0:`): it holds once a period


@dataclass(slots=True, unsafe_hash=True)
class ExceptClause:
    types: tuple[Sym, ...]  # empty: a bare `except:`
    start: int
    end: int


@dataclass(slots=True, eq=False)
class Try(Event):
    body_end: int = 0
    clauses: tuple[ExceptClause, ...] = ()
    orelse: tuple[int, int] = (0, 0)
    final: tuple[int, int] = (0, 0)
    end: int = 0


@dataclass(slots=True, eq=False)
class With(Event):
    items: tuple[Sym, ...] = ()
    end: int = 0


STRUCTURES = (Loop, Branch, Try, With)


# -- definitions ------------------------------------------------------------------------------

@dataclass(slots=True, unsafe_hash=True)
class Parameter:
    name: str
    kind: str  # "posonly" | "pos" | "varargs" | "kwonly" | "varkw"
    has_default: bool


@dataclass(slots=True, eq=False)
class Binding:
    kind: str  # "import" | "def" | "class" | "assign" | "param" | "for" | "with"
    value: Sym


@dataclass(slots=True, eq=False)
class FunctionInfo:
    id: str  # "<module>:<qualname>", e.g. "train:Trainer.on_sigterm"
    module: str
    qualname: str  # "<module>" for the module body, "<lambda>" parts for lambdas
    kind: str  # "module" | "function" | "lambda"
    node: NodeId = field(repr=False)  # the def (its name is what positions point at)
    parent: str | None  # enclosing function scope id
    class_id: str | None = None  # set for methods
    params: tuple[Parameter, ...] = ()
    decorators: tuple[Sym, ...] = ()
    is_async: bool = False
    events: list[Event] = field(default_factory=list)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    returns: list[Sym] = field(default_factory=list)
    yields: list[Sym] = field(default_factory=list)  # a generator: calling it makes an iterator over these
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    def bind(self, name: str, kind: str, value: Sym) -> None:
        self.bindings.setdefault(name, []).append(Binding(kind, value))


@dataclass(slots=True, eq=False)
class ClassInfo:
    id: str
    module: str
    qualname: str
    node: NodeId = field(repr=False)
    scope: str  # function scope the class statement runs in
    bases: tuple[Sym, ...] = ()
    methods: dict[str, str] = field(default_factory=dict)  # name -> function id
    attributes: dict[str, list[Sym]] = field(default_factory=dict)  # class and `self.x` values
    instance_attributes: set[str] = field(default_factory=set)  # the names assigned as `self.x` in its methods


@dataclass(slots=True, eq=False)
class ModuleSummary:
    name: str  # dotted module name inside the project
    path: str  # absolute path
    display: str
    is_package: bool
    body_id: str
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    imports: set[str] = field(default_factory=set)  # absolute dotted names this module imports
    # those of `imports` spelled relatively (`from .net import Net`): their names are the project
    # root's, not the module's own spelling (see ProjectModel._imported_by_its_name)
    relative_imports: set[str] = field(default_factory=set)
    has_main_guard: bool = False
    spans: array = field(default_factory=lambda: array("i"), repr=False)  # 4 ints per NodeId (see spans.py); empty: not computed
    first_code_node: NodeId | None = None  # the statement an added import goes before; None: none
    scripts: set[str] = field(default_factory=set)  # string literals naming a .py file: what a child may run
    started_modules: set[str] = field(default_factory=set)  # modules a command written out runs (`-m pkg.train`)
    # what its string literals hold that a rule looks for, where few projects have any (see
    # expressions.literal_marks): a rule with nothing to find in the project skips its walk
    literal_marks: set[str] = field(default_factory=set)
    # dotted texts (`"swift.trainers.Seq2SeqTrainer"`) importlib.import_module may import (loader._imported_by_name)
    dotted_texts: set[str] = field(default_factory=set)
    # keyword -> the values `parser.set_defaults(keyword=value)` gives an argparse namespace (namespaces.py)
    namespace_defaults: dict[str, list] = field(default_factory=dict)

    def span(self, node: NodeId) -> tuple[int, int, int, int]:
        """(line, column, end line, end column), 1-based, end exclusive. The spans must have
        been computed (see `has_spans`)."""
        start = 4 * node
        if node < 0 or start + 4 > len(self.spans):
            return (1, 1, 1, 1)
        return tuple(self.spans[start:start + 4])  # type: ignore[return-value]

    def imports_any(self, packages: list[str]) -> bool:
        """Whether it imports one of these packages or a module inside one."""
        return any(name == package or name.startswith(package + ".") for name in self.imports for package in packages)

    @property
    def has_spans(self) -> bool:
        return len(self.spans) > 0  # the module itself is node 0: computed spans are never empty

    @property
    def body(self) -> FunctionInfo:
        return self.functions[self.body_id]


# -- pickling: each class as `cls(*field values)` (compact.py) ----------------------------------

for _cls in (Name, Attr, CallOf, Const, FuncRef, Seq, Item, Imported, Param, Opaque, BinOp, FString, SliceOf, DictOf,
             Decorated, OneOf, Declared, CallSite, Assign, Read, Update, Raise, Import, Jump, Loop, Branch, ExceptClause, Try, With, Parameter,
             Binding, FunctionInfo, ClassInfo, ModuleSummary):
    rebuilt_by_constructor(_cls)
