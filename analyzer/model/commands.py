"""The words of a command line a call runs (`subprocess.Popen([sys.executable, script, ...])`).

A word is what the resolver knows of it (a literal, `sys.executable` as `python`); where it knows
nothing, the path values may (`os.path.join(HERE, "train.py")` with HERE the launcher's folder).
Shared by the child-process model (SIG010) and the container's launch chain (DKR007).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.argflow import parameter_index
from sigcheck.model.values import ConstV, ExternalV, SeqV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.model.pathvalues import PathTracker


class BesideCaller(str):
    """A path whose folder sigcheck cannot compute, such as `os.path.join(os.path.dirname(__file__),
    "train.py")`: the file is looked for beside the script that makes the call."""


def value_word(value: Value) -> str | None:
    if isinstance(value, ConstV) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ExternalV) and value.qualname == "sys.executable":
        return "python"
    return None


def word(paths: "PathTracker", func_id: str, at: int, sym: ir.Sym) -> str | None:
    """One word of the command: None when neither the resolver nor the path values know it."""
    if isinstance(sym, ir.Name) and sym.name == "__file__":  # `torchrun ... __file__ --worker`: the script itself
        sources = paths.graph.project.sources
        return BesideCaller(PurePath(sources[paths.graph.project.functions[func_id].module].path).name)
    for value in paths.graph.resolver.resolve(sym):
        found = value_word(value)
        if found is not None:
            return found
    possibles = paths.value(func_id, sym, at)
    literals = {p.literal for p in possibles}
    if len(literals) == 1 and None not in literals:
        return literals.pop()
    for possible in possibles:
        last = possible.pieces[-1] if possible.pieces else None
        if last is not None and last.text and last.text.startswith("/") and possible.literal is None:
            return BesideCaller(last.text.lstrip("/"))
    return None


def positional_words(paths: "PathTracker", func_id: str, site: ir.CallSite, position: int) -> list[str | None]:
    """A command given one word per positional argument from `position` on
    (`asyncio.create_subprocess_exec("python", "train.py")`, `os.execl(path, arg0, ...)`)."""
    words = [word(paths, func_id, site.index, arg) for arg in site.args[position:]]
    if site.unpacked is not None:  # `create_subprocess_exec(*cmd)`: the list's words
        lists = [v for v in paths.graph.resolver.resolve(site.unpacked) if isinstance(v, SeqV)]
        words += seq_words(paths, func_id, site.index, site.unpacked, lists[0].items) if len(lists) == 1 else [None]
    return words


def list_items(functions: dict[str, ir.FunctionInfo], sym: ir.Sym) -> tuple[ir.Sym, ...] | None:
    """The element expressions of a list written in place, or assigned to the name first."""
    if isinstance(sym, ir.Seq):
        return sym.items
    if not isinstance(sym, ir.Name):
        return None
    fn = functions.get(sym.scope)
    while fn is not None:
        for binding in fn.bindings.get(sym.name, ()):
            if isinstance(binding.value, ir.Seq):
                return binding.value.items
        if sym.name in fn.bindings:
            return None
        fn = functions.get(fn.parent) if fn.parent else None
    return None


def split_text(paths: "PathTracker", sym: ir.Sym) -> ir.Sym | None:
    """The command text a call splits into words, as `shlex.split(cmd)` and `cmd.split()` do: the
    words are the text's, with no /bin/sh between the caller and the program."""
    call = _written_value(paths.graph.project.functions, sym)
    if not isinstance(call, ir.CallOf) or call.kwargs:
        return None
    if isinstance(call.func, ir.Attr) and call.func.attr == "split" and not call.args:  # whitespace, as a shell does
        values = paths.graph.resolver.resolve(call.func.base)
        text = not values or any(isinstance(v, UnknownV) or isinstance(v, ConstV) and isinstance(v.value, str)
                                 for v in values)
        return call.func.base if text else None  # `"torchrun {script}".format(...).split()`: the path values know
    names = {paths.graph.resolver.qualname(v) for v in paths.graph.resolver.resolve(call.func)}
    return call.args[0] if "shlex.split" in names and len(call.args) == 1 else None


def _written_value(functions: dict[str, ir.FunctionInfo], sym: ir.Sym) -> ir.Sym | None:
    """The expression itself, or the one value a local name is assigned (`argv = shlex.split(cmd)`)."""
    if not isinstance(sym, ir.Name):
        return sym
    fn = functions.get(sym.scope)
    bindings = fn.bindings.get(sym.name, ()) if fn is not None else ()
    return bindings[0].value if len(bindings) == 1 else None


def joined_words(paths: "PathTracker", func_id: str, at: int, sym: ir.Sym, depth: int = 0) -> list[str | None] | None:
    """The words of lists joined with `+` (`["torchrun", "--nproc-per-node", "8"] + [__file__] +
    sys.argv[1:]`): each side's, and one None for a side sigcheck cannot know. None when no
    side is a list it knows."""
    expr = _written_value(paths.graph.project.functions, sym)
    if not (isinstance(expr, ir.BinOp) and expr.op == "+") or depth > 8:
        return None
    words: list[str | None] = []
    known = False
    for side in (expr.left, expr.right):
        lists = [v for v in paths.graph.resolver.resolve(side) if isinstance(v, SeqV)]
        found = launch_words(paths, func_id) if own_arguments(paths, side) else None  # `[sys.executable] + sys.argv[1:]`
        if found is None and _resolves_to(paths, _written_value(paths.graph.project.functions, side) or side, "sys.argv"):
            found = [RERUN]  # `["mpirun", "-np", "4", sys.executable] + sys.argv`: the script that runs, again
        if found is None:
            found = seq_words(paths, func_id, at, side, lists[0].items) if len(lists) == 1 \
                else joined_words(paths, func_id, at, side, depth + 1)
        known = known or found is not None
        words += found if found is not None else [None]
    return words if known else None


def seq_words(paths: "PathTracker", func_id: str, at: int, sym: ir.Sym, items: tuple[Value, ...]) -> list[str | None]:
    """The words of a list value `sym` resolved to: what the values miss, the path values of the
    list's written elements may know."""
    words = [value_word(v) for v in items]
    written = list_items(paths.graph.project.functions, sym)
    if written is None:  # a parameter one caller passes a list it writes (metaseq's `local_run(train_cmd)`)
        written, func_id, at = _passed_items(paths, sym) or (None, func_id, at)
    if written is not None and len(written) <= len(words):  # after them, what `cmd.extend(...)` added
        words = [w if w is not None or k >= len(written) else word(paths, func_id, at, written[k]) for k, w in enumerate(words)]
    return words


def _passed_items(paths: "PathTracker", sym: ir.Sym) -> tuple[tuple[ir.Sym, ...], str, int] | None:
    """For a parameter the flow gives one argument, a list written where that argument is, with
    the caller's function and its end (the path values of its elements as they stand there)."""
    functions = paths.graph.project.functions
    fn = functions.get(sym.scope) if isinstance(sym, ir.Name) else None
    index = parameter_index(fn, sym.name) if fn is not None and sym.name in fn.bindings else None
    passed = paths.graph.resolver.flow.get((fn.id, index), ()) if index is not None else ()
    if len(passed) != 1 or not isinstance(passed[0], ir.Name) or passed[0].scope not in functions:
        return None
    written = list_items(functions, passed[0])
    return (written, passed[0].scope, len(functions[passed[0].scope].events)) if written is not None else None


# The word a command has where it runs the whole of `sys.argv`: the program that runs, run again
# (baselines' and spinningup's mpi_fork re-run the script under mpirun, its ranks told IN_MPI=1)
RERUN = "\x00the script itself"


def own_arguments(paths: "PathTracker", sym: ir.Sym) -> bool:
    """Whether the command is the script's own arguments: `sys.argv[1:]`, or its words joined and
    split again (`shlex.split(" ".join(sys.argv[1:]))`), as a launcher that runs whatever it is
    given does (SageMaker's TensorFlow images start `train` so)."""
    functions = paths.graph.project.functions
    expr = _written_value(functions, split_text(paths, sym) or sym)
    if isinstance(expr, ir.CallOf) and isinstance(expr.func, ir.Attr) and expr.func.attr == "join" \
            and isinstance(expr.func.base, ir.Const) and len(expr.args) == 1 and not expr.kwargs:
        expr = _written_value(functions, expr.args[0])  # `" ".join(words)`
    if not (isinstance(expr, ir.SliceOf) and expr.lower == ir.Const(1) and expr.upper is None):
        return False
    base = expr.base
    if isinstance(base, ir.CallOf) and len(base.args) == 1 and not base.kwargs \
            and _resolves_to(paths, base.func, "builtins.list"):  # `list(sys.argv)[1:]` (Tacotron2's multiproc.py)
        base = base.args[0]
    return _resolves_to(paths, base, "sys.argv")


def _resolves_to(paths: "PathTracker", sym: ir.Sym, qualname: str) -> bool:
    return any(isinstance(v, ExternalV) and v.qualname == qualname for v in paths.graph.resolver.resolve(sym))


def launch_words(paths: "PathTracker", func_id: str) -> list[str | None] | None:
    """A script's own arguments as the project's launch lines give them, where every line runs
    the same script with it (`python -m multiproc train.py -m Tacotron2 ...`): the first line's."""
    project = paths.graph.project
    source = project.sources.get(project.functions[func_id].module)
    lines = project.launch_arguments.get(str(source.path), []) if source is not None else []
    firsts = {line[0] if line else None for line in lines}
    if len(firsts) != 1 or None in firsts:
        return None
    return list(lines[0])
