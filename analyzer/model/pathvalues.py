"""Value tracking for strings and paths: enough to know where a write goes.

A value is a tuple of possibilities; each is a sequence of pieces: literal text, or the value of an
environment variable (with its fallback). Unknown stays unknown (an empty tuple): nothing is guessed.
Assignments are followed flow-sensitively inside a function (the last assignment that must have run
wins; earlier ones survive only behind branches), module constants across imports, argparse
defaults by option name, parameter defaults and one level of call sites.
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product

from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph, Step
from sigcheck.model.call_sites import call_sites, default_in_use
from sigcheck.model.launch_arguments import LaunchArguments, OneOfScripts
from sigcheck.model.roots import written_in
from sigcheck.model.trace import Point
from sigcheck.model.textbuild import TextBuilding
from sigcheck.model.values import ClassV, ExternalV, FunctionV, InstanceV

_PATH_OPERATIONS = frozenset({"+", "/", "%"})  # concatenation, a pathlib join, %-formatting
_MAX_POSSIBLE = 8
_MAX_DEPTH = 60  # nesting of expressions and names followed; cycles are cut separately
_JOIN = frozenset({"os.path.join", "posixpath.join"})
_COMPREHENSIONS = frozenset({"ListComp", "GeneratorExp"})
_PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"})
_IDENTITY = {"builtins.str", "os.fspath", "os.path.abspath", "os.path.normpath", "os.path.expanduser",
             "os.path.realpath", "os.path.expandvars", "posixpath.normpath", "posixpath.abspath"}
_ENV_GET = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
_SAME_PATH_METHODS = {"resolve", "absolute", "expanduser", "as_posix", "__fspath__", "strip", "rstrip"}


@dataclass(frozen=True)
class Piece:
    text: str | None = None  # literal text
    env: str | None = None  # the value of this environment variable
    fallback: tuple["Possible", ...] = ()  # the variable's default, when it has one


@dataclass(frozen=True)
class Possible:
    pieces: tuple[Piece, ...]
    trace: tuple[Point, ...] = field(default=(), compare=False)

    @property
    def literal(self) -> str | None:
        """The whole text when every piece is literal."""
        if len(self.pieces) == 1:
            return self.pieces[0].text  # itself: a choice of scripts stays one (launch_arguments.OneOfScripts)
        if all(p.text is not None for p in self.pieces):
            return "".join(p.text for p in self.pieces)
        return None

    @property
    def prefix(self) -> str:
        """The literal text before the first piece that is not literal."""
        text = []
        for piece in self.pieces:
            if piece.text is None:
                break
            text.append(piece.text)
        return "".join(text)

    @property
    def env_first(self) -> Piece | None:
        return self.pieces[0] if self.pieces and self.pieces[0].env else None

    def then(self, point: Point) -> "Possible":
        return Possible(self.pieces, self.trace + (point,))


PathValue = tuple[Possible, ...]
UNKNOWN_PART = Possible((Piece(),))  # a piece whose text sigcheck does not know


def concat(a: Possible, b: Possible, trace: tuple[Point, ...] = ()) -> Possible:
    pieces = list(a.pieces)
    for piece in b.pieces:
        if pieces and pieces[-1].text is not None and piece.text is not None:
            pieces[-1] = Piece(pieces[-1].text + piece.text)
        else:
            pieces.append(piece)
    return Possible(tuple(pieces), a.trace + tuple(p for p in b.trace if p not in a.trace) + trace)


def join(a: Possible, b: Possible, trace: tuple[Point, ...] = ()) -> Possible:
    """os.path.join / pathlib semantics: an absolute right side replaces the left."""
    if b.prefix.startswith("/"):
        return Possible(b.pieces, b.trace + trace)
    if not a.pieces or (a.literal == ""):
        return Possible(b.pieces, a.trace + b.trace + trace)
    last = a.pieces[-1]
    separator = "" if (last.text is not None and last.text.endswith("/")) else "/"
    if b.literal == "":
        return Possible(a.pieces, a.trace + trace) if not separator else concat(a, Possible((Piece("/"),)), trace)
    return concat(concat(a, Possible((Piece(separator),)) if separator else Possible(())), b, trace)


def as_pure_path(a: Possible) -> Possible:
    """What pathlib makes of a fully known text: "" is ".", "a//b/" is "a/b"."""
    text = a.literal
    return a if text is None else Possible((Piece(str(PurePosixPath(text))),), a.trace)


def parent(a: Possible, trace: tuple[Point, ...] = ()) -> Possible | None:
    text = a.literal
    if text is None:
        return None
    return Possible((Piece(posixpath.dirname(text.rstrip("/")) or "/"),), a.trace + trace)


class PathTracker(TextBuilding):
    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self.project = graph.project
        self.resolver = graph.resolver
        self.functions = graph.project.functions
        self._memo: dict[tuple, PathValue] = {}
        self._active: set[tuple] = set()
        self._qualnames: dict[ir.Sym, str | None] = {}

    # -- public ---------------------------------------------------------------------------

    def value(self, func_id: str, sym: ir.Sym | None, at: int | None = None, depth: int = 0) -> PathValue:
        if sym is None or depth > _MAX_DEPTH:
            return ()
        key = (func_id, sym, at)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return ()  # a value defined in terms of itself (x = x + "/a" in a loop): unknown
        self._active.add(key)
        try:
            result = self._value(func_id, sym, at, depth)[:_MAX_POSSIBLE]
        except RecursionError:
            result = ()
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def qualname(self, sym: ir.Sym) -> str | None:
        if sym not in self._qualnames:  # the path rules ask it of every call's callee, some twice
            self._qualnames[sym] = next(filter(None, map(self.resolver.qualname, self.resolver.resolve(sym))), None)
        return self._qualnames[sym]

    # -- symbols --------------------------------------------------------------------------

    def _value(self, func_id: str, sym: ir.Sym, at: int | None, depth: int) -> PathValue:
        if isinstance(sym, ir.Const):
            if not isinstance(sym.value, str):
                return ()
            note = f"the literal {sym.value!r}" if sym.node is not None else ""
            trace = (Point(func_id, sym.node, note),) if sym.node is not None else ()
            return (Possible((Piece(sym.value),), trace),)
        if isinstance(sym, ir.Name):
            return self._name(sym, func_id, at, depth)
        if isinstance(sym, ir.Declared):
            return self._value(func_id, sym.value, at, depth)
        if isinstance(sym, ir.FString):
            parts = [self.value(func_id, p, at, depth + 1) for p in sym.parts]
            return self._combine(parts, concat, Point(func_id, sym.node, "formats the path"))
        if isinstance(sym, ir.BinOp):
            return self._binop(func_id, sym, at, depth)
        if isinstance(sym, ir.CallOf):
            return self._call(func_id, sym, at, depth)
        if isinstance(sym, ir.Attr):
            return self._attribute(func_id, sym, at, depth)
        if isinstance(sym, ir.Item):
            return self._item(func_id, sym, depth)
        if isinstance(sym, ir.Param):
            return self._param(sym, depth)
        if isinstance(sym, ir.Imported) and sym.name:
            target = self.project.resolve_import(sym.module, sym.importer)
            if target:
                body = self.project.modules[target].body_id
                return self._name(ir.Name(sym.name, body), body, None, depth + 1)
        return ()

    def _combine(self, parts: list[PathValue], op, point: Point | None) -> PathValue:
        if all(not p for p in parts):
            return ()
        # An unknown part keeps the known text before it: f"{ROOT}/tmp/{name}" is "/opt/ml/tmp/…".
        parts = [p or (UNKNOWN_PART,) for p in parts]
        result = []
        for combination in product(*parts):
            current = combination[0]
            for nxt in combination[1:]:
                current = op(current, nxt)
            result.append(current.then(point) if point and point.node is not None else current)
            if len(result) >= _MAX_POSSIBLE:
                break
        return tuple(result)

    def _binop(self, func_id: str, sym: ir.BinOp, at, depth) -> PathValue:
        if sym.op not in _PATH_OPERATIONS:
            return ()  # a product or power is a number (or text repeated), never a path
        left = self.value(func_id, sym.left, at, depth + 1)
        if sym.op == "%":
            return self._percent(func_id, sym, left, at, depth)
        right = self.value(func_id, sym.right, at, depth + 1)
        if sym.op == "/":
            return tuple(map(as_pure_path, self._combine([left, right], join, Point(func_id, sym.node, "joins the path"))))
        return self._combine([left, right], concat, Point(func_id, sym.node, "concatenates the path"))

    def _call(self, func_id: str, sym: ir.CallOf, at, depth) -> PathValue:
        point = Point(func_id, sym.node, "")
        name = self.qualname(sym.func)
        args = [self.value(func_id, a, at, depth + 1) for a in sym.args]
        if name in _JOIN or name in _PATH_TYPES:
            if not args:
                return ()
            built = self._combine(args, join, Point(func_id, sym.node, f"{name.rsplit('.', 1)[-1]}(...) builds the path"))
            return tuple(map(as_pure_path, built)) if name in _PATH_TYPES else built
        if name in _IDENTITY:
            return args[0] if args else ()
        if name in _ENV_GET and sym.args and isinstance(sym.args[0], ir.Const):
            fallback = args[1] if len(args) > 1 else self.value(func_id, dict(sym.kwargs).get("default"), at, depth + 1)
            piece = Piece(env=str(sym.args[0].value), fallback=fallback)
            return (Possible((piece,), (Point(func_id, sym.node, f"reads ${sym.args[0].value}"),)),)
        if isinstance(sym.func, ir.Attr):
            method = sym.func.attr
            if method == "join" and len(sym.args) == 1 and isinstance(sym.func.base, ir.Const) \
                    and isinstance(sym.func.base.value, str):  # `"".join(parts)`
                return self._joined(func_id, sym, sym.func.base.value, at, depth)
            if method == "joinpath" or method in _SAME_PATH_METHODS or method == "format":
                base = self.value(func_id, sym.func.base, at, depth + 1)
                if method == "joinpath":
                    built = self._combine([base, *args], join, Point(func_id, sym.node, "joinpath builds the path"))
                    return tuple(map(as_pure_path, built))
                if method == "format":
                    return self._format(func_id, sym, base, args, at, depth)
                return base
        for value in self.resolver.resolve(sym.func):
            if isinstance(value, FunctionV):
                fn = self.functions[value.func_id]
                result = tuple(p for r in fn.returns for p in self.value(fn.id, r, None, depth + 1))
                return tuple(p.then(Point(func_id, point.node, f"returned by {fn.qualname}")) for p in result)
        return ()

    def _attribute(self, func_id: str, sym: ir.Attr, at, depth) -> PathValue:
        if sym.attr == "parent":
            base = self.value(func_id, sym.base, at, depth + 1)
            return tuple(p for p in (parent(b) for b in base) if p is not None)
        result: list[Possible] = []
        bases = self.resolver.resolve(sym.base)
        for value in bases:
            if isinstance(value, InstanceV) and isinstance(value.of, ClassV):
                for cls in self.resolver.mro(value.of.class_id):
                    if isinstance(cls, ClassV) and sym.attr in self.project.classes[cls.class_id].attributes:
                        for assigned in self.project.classes[cls.class_id].attributes[sym.attr]:
                            result.extend(self.value(written_in(assigned) or func_id, assigned, None, depth + 1))
                        break
        # an option's default by its name, for what may be the parsed options: not a library's own
        # attribute (`sys.executable` beside another script's `--executable` option, GNMT's)
        if not result and not any(isinstance(v, ExternalV) and not v.qualname.startswith("argparse.") for v in bases):
            result.extend(self._argparse_default(sym.attr, depth) or self._launched_with(sym.attr))
        return tuple(result)

    def _launched_with(self, dest: str) -> PathValue:
        """A positional argument's values on the project's launch lines (launch_arguments.py): one
        text, or the choice of them."""
        bound = self._launch_arguments.values(dest)
        known = tuple(dict.fromkeys(value for _, value in bound if value is not None))
        if not known:
            return ()
        point = Point(self.project.modules[bound[0][0]].body_id, None, f"the {dest} the launch lines pass")
        return (Possible((Piece(known[0] if len(known) == 1 else OneOfScripts(known)),), (point,)),)

    @cached_property
    def _launch_arguments(self) -> LaunchArguments:
        return LaunchArguments(self.project)

    def _argparse_default(self, dest: str, depth: int) -> PathValue:
        found = self._argparse_options.get(dest)
        if found is None:
            return ()
        func_id, site, default = found
        return tuple(p.then(Point(func_id, site.node, f"the default of --{dest.replace('_', '-')}"))
                     for p in self.value(func_id, default, site.index, depth + 1))

    @cached_property
    def _argparse_options(self) -> dict[str, tuple[str, ir.CallSite, ir.Sym]]:
        options = {}
        for fn in self.functions.values():
            for event in fn.events:
                if not (isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "add_argument"):
                    continue
                keywords = dict(event.kwargs)
                if "default" not in keywords:
                    continue
                flags = [a.value for a in event.args if isinstance(a, ir.Const) and isinstance(a.value, str)]
                dest = keywords.get("dest")
                name = dest.value if isinstance(dest, ir.Const) else _dest(flags)
                if name:
                    options.setdefault(name, (fn.id, event, keywords["default"]))
        return options

    def _item(self, func_id: str, sym: ir.Item, depth: int) -> PathValue:
        if isinstance(sym.key, ir.Const) and isinstance(sym.key.value, str) and self.qualname(sym.base) == "os.environ":
            return (Possible((Piece(env=sym.key.value),), (Point(func_id, None, f"reads ${sym.key.value}"),)),)
        # `commands[0]` of `commands = ["python -m pkg.train --lr " + str(lr) for lr in grid]`: an item is what
        # the comprehension makes each of (DomainBed's sweep, triage DI)
        held = [b.value for b in self.resolver.binding_scope(sym.base.name, sym.base.scope)[1] if b.kind == "assign"] \
            if isinstance(sym.base, ir.Name) else [sym.base]
        return tuple(p for value in held if isinstance(value, ir.Opaque) and value.kind in _COMPREHENSIONS and value.reads
                     for p in self.value(written_in(value) or func_id, value.reads[0], None, depth + 1))

    def _param(self, sym: ir.Param, depth: int) -> PathValue:
        fn = self.functions[sym.func_id]
        param = fn.params[sym.index] if sym.index < len(fn.params) else None
        # a default every caller overrides never runs (gluonts' TrainPaths(base=Path("/opt/ml")); triage BZ)
        result = list(self.value(fn.id, sym.default, None, depth + 1)) \
            if sym.default is not None and default_in_use(self.graph, fn, sym.index) else []
        if param is None or depth > 4:
            return tuple(result)
        for caller_id, site in call_sites(self.graph, fn.id):
            step = Step(caller_id, site.index, fn.id, "call")
            argument = dict(site.kwargs).get(param.name)
            if argument is None:
                bound = next((t.bound for t in self.graph.targets(step.caller, site) if t.func_id == fn.id), 0)
                position = sym.index - bound
                argument = site.args[position] if 0 <= position < len(site.args) and param.kind in ("pos", "posonly") else None
            if argument is not None:
                for possible in self.value(step.caller, argument, site.index, depth + 5):
                    result.append(possible.then(Point(step.caller, site.node, f"passed as {param.name}")))
        return tuple(result)

    # -- names, flow-sensitively ----------------------------------------------------------

    def _name(self, sym: ir.Name, func_id: str, at: int | None, depth: int) -> PathValue:
        fn = self.functions.get(sym.scope)
        if fn is None:
            return ()
        if sym.name in fn.globals and fn.kind != "module":
            body = self.project.modules[fn.module].body_id
            return self._name(ir.Name(sym.name, body), body, None, depth + 1)
        position = at if sym.scope == func_id else None
        assigns = [e for e in fn.events if isinstance(e, ir.Assign) and isinstance(e.target, ir.Name)
                   and e.target.name == sym.name and (position is None or e.index < position)]
        result: list[Possible] = []
        for event in reversed(assigns):
            note = f"{sym.name} = …"
            result.extend(p.then(Point(fn.id, event.node, note)) for p in self.value(fn.id, event.value, event.index, depth + 1))
            if _dominates(fn, event.index, position):
                return tuple(result)
        for binding in fn.bindings.get(sym.name, ()):
            if binding.kind in ("param", "import"):
                result.extend(self.value(fn.id, binding.value, None, depth + 1))
        if not assigns and sym.name not in fn.bindings and fn.parent:
            result.extend(self._name(ir.Name(sym.name, fn.parent), fn.parent, None, depth + 1))
        return tuple(result)


def _dominates(fn: ir.FunctionInfo, index: int, at: int | None) -> bool:
    """Whether the assignment at `index` has surely run at `at` (None: the end of the function):
    no branch or loop holds it without also holding `at`."""
    for event in fn.events[:index]:
        if isinstance(event, (ir.Branch, ir.Loop)) and event.index < index < event.end:
            if at is None or not (event.index < at < event.end):
                return False
    return True


def _dest(flags: list[str]) -> str | None:
    longs = [f for f in flags if f.startswith("--")]
    chosen = longs[0] if longs else (flags[0] if flags and not flags[0].startswith("-") else None)
    return chosen.lstrip("-").replace("-", "_") if chosen else None


def value_text(possible: Possible) -> str:
    """How a value reads in a message: literal text, with $VAR for environment pieces."""
    return "".join(p.text if p.text is not None else (f"${p.env}" if p.env else "…") for p in possible.pieces)
