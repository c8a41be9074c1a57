"""The rule contract: a small class with its code, its documentation page and its examples.

The class docstring is the rule's page (What it does / Why is this bad? / Example / Use
instead). `valid` and `invalid` examples become tests; in an invalid example a comment
`# expect: CODE` on the line before a line marks a finding anchored on that line.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable

from sigcheck.checking.results import Fix
from sigcheck.model.trace import Point

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Example:
    code: str
    why: str = ""  # one line: what makes this example right or wrong
    files: dict[str, str] = field(default_factory=dict)  # other project files beside it
    select: tuple[str, ...] = ()  # other rules the example needs running beside its own
    name: str = "train.py"  # the file `code` is written to and sigcheck is run on (e.g. "Dockerfile")


@dataclass(frozen=True)
class Finding:
    code: str
    anchor: Point
    message: str
    trace: tuple[Point, ...] = ()
    fix: "Fix | None" = None  # edits with positions already resolved (see checking/results.py)
    deadline: int | None = None  # the seconds the message states: of two entry points' wordings, the stricter is shown
    also_run_from: tuple[str, ...] = ()  # the other entry points reaching the place (see engine._Locator)
    # Codes whose finding anchored where this one's trace starts is left out: both name one
    # problem, and this finding says more about it (see engine._Locator._uncovered).
    covers: tuple[str, ...] = ()


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = "error"
    default_enabled: ClassVar[bool] = True
    after_suppressions: ClassVar[bool] = False  # runs last, reading analysis.suppression_usage
    runs_apart: ClassVar[bool] = False  # with jobs to spare, in a process of its own (see checking/apart.py)
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()

    def check(self, analysis: "Analysis") -> Iterable[Finding]:
        raise NotImplementedError

    def finding(self, anchor: Point, message: str, trace: Iterable[Point] = (), fix: "Fix | None" = None,
                deadline: int | None = None, covers: tuple[str, ...] = ()) -> Finding:
        return Finding(self.code, anchor, message, tuple(trace), fix, deadline, covers=covers)

    @classmethod
    def page(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.page().split("\n", 1)[0].strip()
