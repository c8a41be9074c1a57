"""Code a project runs only on some releases of a library: the branches of a test of its version
(`if pl.__version__[0] == "2":`, `if version.parse(torch.__version__) >= ...`). A call in one is no
evidence of which release the project runs on: it is written for each."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.symbols import walk


def under_a_version_test(fn: ir.FunctionInfo, event: ir.Event) -> bool:
    """Whether the event is in a branch (either side) of a test that reads a `__version__`."""
    return any(isinstance(branch, ir.Branch) and branch.index < event.index < branch.end and _reads_a_version(branch)
               for branch in fn.events[: event.index])


def _reads_a_version(branch: ir.Branch) -> bool:
    return any(isinstance(sym, ir.Attr) and sym.attr == "__version__" for read in branch.test_reads for sym in walk(read))
