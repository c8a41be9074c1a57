"""What a function reads from the environment: the variables a launcher sets (torchrun's
LOCAL_RANK), read as needed (`os.environ["LOCAL_RANK"]`: the script fails without it) or only
consulted (`os.environ.get("LOCAL_RANK", -1)`, `if "LOCAL_RANK" in os.environ`: it runs either way).
Setting or removing one (`os.environ["LOCAL_RANK"] = ...` for a library run in process) is no
sign of a launcher."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Container, Iterable

from sigcheck.model import ir

NEEDED, CONSULTED = "needed", "consulted"
_ENVIRONMENT_WRITES = frozenset({"pop", "setdefault", "update", "putenv", "unsetenv"})


def reads_environment(fn: ir.FunctionInfo, texts: Container[str]) -> str | None:
    """NEEDED when the function indexes the environment by one of these names wherever it runs;
    CONSULTED when it only looks one up or tests for it, or indexes it only on one side of a
    branch (`if ddp: local_rank = int(os.environ["LOCAL_RANK"])`, nanoGPT: the script also runs
    without the launcher); else None."""
    found = None
    for event in fn.events:
        how = _reads(event, texts)
        if how == NEEDED and not branched_around(fn, event):
            return NEEDED
        found = found or (CONSULTED if how else None)
    return found


def branched_around(fn: ir.FunctionInfo, event: ir.Event) -> bool:
    """Inside an `if` other than the main guard: the read happens on some runs only."""
    return any(isinstance(branch, ir.Branch) and branch.index < event.index < branch.end and branch.guard != "main"
               for branch in fn.events[:event.index])


def needed_read(fn: ir.FunctionInfo, texts: Container[str]) -> tuple[ir.Event, str] | None:
    """The first event that indexes the environment by one of these names wherever the function
    runs (`os.environ["SM_MODEL_DIR"]`), with the name."""
    for event in fn.events:
        read = _read(event, texts)
        if read is not None and read[0] == NEEDED and not branched_around(fn, event):
            return event, read[1]
    return None


class NamePatterns:
    """Names by pattern (`SM_CHANNEL_*`), asked with `in` as a set of names is."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and any(fnmatchcase(value, pattern) for pattern in self.patterns)


def _reads(event: ir.Event, texts: Container[str]) -> str | None:
    read = _read(event, texts)
    return None if read is None else read[0]


def _read(event: ir.Event, texts: Container[str]) -> tuple[str, str] | None:
    """How the event's expressions read one of these names (`os.environ["X"]`, `os.getenv("X")`,
    `get_int_from_env(["X", "Y"])`, `"X" in os.environ`), if they do, and the name."""
    if isinstance(event, ir.CallSite):
        called = event.func.attr if isinstance(event.func, ir.Attr) else getattr(event.func, "name", None)
        if called in _ENVIRONMENT_WRITES:
            return None
        syms = [*event.args, *(v for _, v in event.kwargs)]
    elif isinstance(event, ir.Assign):
        syms = [event.value]
    elif isinstance(event, ir.Read):
        syms = [event.sym]
    elif isinstance(event, (ir.Loop, ir.Branch)):
        syms = list(event.test_reads)
    else:
        return None
    found = None
    while syms:
        sym = syms.pop()
        if isinstance(sym, ir.Const):
            if sym.value in texts:  # handed to a lookup, tested for: os.environ.get("X", -1), "X" in os.environ
                found = (CONSULTED, sym.value)
        elif isinstance(sym, ir.Item):
            if isinstance(sym.key, ir.Const) and sym.key.value in texts:
                return NEEDED, sym.key.value  # os.environ["LOCAL_RANK"]: a KeyError without it
            syms += (sym.base, sym.key)
        elif isinstance(sym, ir.CallOf):
            syms += (*sym.args, *(v for _, v in sym.kwargs))
        elif isinstance(sym, ir.Seq):
            syms += sym.items
        elif isinstance(sym, ir.BinOp):
            syms += (sym.left, sym.right)
    return found


def takes_option(fn: ir.FunctionInfo, options: frozenset[str]) -> str | None:
    """CONSULTED when the function declares one of these command-line options
    (`parser.add_argument("--local_rank", type=int, default=-1)`): a launcher passes it, and the
    script runs without one too; NEEDED when it is declared `required=True`."""
    found = None
    for event in fn.events:
        if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "add_argument" \
                and any(isinstance(arg, ir.Const) and arg.value in options for arg in event.args):
            required = dict(event.kwargs).get("required")
            if isinstance(required, ir.Const) and required.value is True:
                return NEEDED
            found = CONSULTED
    return found


def toolkit_signs(project, variables: Iterable[str], packages: Iterable[str] = ("smdistributed",)) -> dict[str, tuple[ir.Event, str]]:
    """Per function, its first sign that the SageMaker training toolkit runs it, with the name:
    a read, as needed, of a variable only the toolkit sets (`variables`, as patterns), else an
    import of a package only SageMaker's training images have (`packages`: smdistributed, which
    the toolkit starts with mpirun; `torch.sagemaker`...)."""
    names = NamePatterns(variables)
    packages = tuple(packages)
    reading = {m for m, source in project.sources.items() if "SM_" in source.text}
    importing = {m for m, summary in project.modules.items() if any(_within(i, packages) for i in summary.imports)}
    found = {}
    for fn in project.functions.values():
        sign = (needed_read(fn, names) if fn.module in reading else None) \
            or (_first_import(fn, packages) if fn.module in importing and fn.kind == "module" else None)
        if sign is not None:
            found[fn.id] = sign
    return found


def toolkit_sign_wording(event: ir.Event, name: str) -> str:
    """How a finding words a sign toolkit_signs found."""
    if not isinstance(event, ir.Import):
        return f"reads {name}, which only the SageMaker training toolkit sets"
    if name.startswith("smdistributed"):
        return f"imports {name}, SageMaker's distributed training library, which only its images have"
    return f"imports {name}, which only SageMaker's training images have"


def _within(dotted: str, packages: tuple[str, ...]) -> bool:
    return any(dotted == package or dotted.startswith(package + ".") for package in packages)


def _first_import(fn: ir.FunctionInfo, packages: tuple[str, ...]) -> tuple[ir.Event, str] | None:
    """The module's first import of a module of `packages` that runs wherever it runs, with the
    module's name: not one inside a `try` (a fallback where it is missing) or an `if` (accelerate
    imports smdistributed only when it finds itself on SageMaker)."""
    for event in fn.events:
        if isinstance(event, ir.Import) and not branched_around(fn, event) and not any(
                isinstance(t, ir.Try) and t.index < event.index < t.end for t in fn.events[:event.index]):
            module = next((m for m in event.modules if _within(m, packages)), None)
            if module is not None:
                return event, module
    return None
