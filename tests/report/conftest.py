"""Reports for the CI formats: from the real engine on small scripts, and built by hand."""

from __future__ import annotations

import pytest
from samples import GOOD, LATE_HANDLER

from sigcheck.checking.results import Diagnostic, Edit, FileError, Fix, Report, TraceStep


@pytest.fixture
def engine_report(run_sigcheck):
    """train.py with three findings of three severities, good.py with none, broken.py unparsable."""
    files = {"train.py": LATE_HANDLER, "good.py": GOOD, "broken.py": "def (:\n"}
    return run_sigcheck(files, ["train.py", "good.py", "broken.py"], extend_select=("SIG011",))


@pytest.fixture
def make_diagnostic():
    def make(**changes) -> Diagnostic:
        fields = dict(
            code="SIG002", name="handler-never-saves", severity="error", path="pkg/train.py",
            line=12, column=5, end_line=12, end_column=46, message="handler never saves",
            trace=(TraceStep("pkg/train.py", 12, 5, "SIGTERM handler registered here"),
                   TraceStep("pkg/handlers.py", 3, 1, "handler on_sigterm")),
            fix=Fix("save a checkpoint before exiting", (
                Edit("pkg/handlers.py", 4, 5, 4, 5, "save_checkpoint()\n    "),
                Edit("pkg/handlers.py", 9, 1, 10, 1, ""),
                Edit("pkg/train.py", 1, 1, 1, 1, "from pkg.ckpt import save_checkpoint\n"),
            ), safe=False),
            source_line="    signal.signal(signal.SIGTERM, on_sigterm)\n",
        )
        fields.update(changes)
        return Diagnostic(**fields)

    return make


@pytest.fixture
def hand_report(make_diagnostic):
    """Findings with a trace and a fix, of each severity, and a file that could not be analysed."""
    return Report(
        diagnostics=[make_diagnostic(),
                     make_diagnostic(code="SIG007", name="handler-registered-late", severity="warning",
                                     line=20, end_line=20, trace=(), fix=None, message="registered late"),
                     make_diagnostic(code="SIG011", name="unsafe-io-in-handler", severity="info", path="pkg/handlers.py",
                                     line=4, end_line=4, trace=(), fix=None, message="print in handler")],
        errors=[FileError("pkg/broken.py", "syntax error: invalid syntax", 3, 7), FileError("pkg/unreadable.py", "cannot read")],
        files=["pkg/handlers.py", "pkg/train.py"],
    )
