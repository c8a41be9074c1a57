"""Whether the callbacks a library's fit is handed write no model: Keras' fit saves only through
its callbacks, so one handed only EarlyStopping, or a learning-rate schedule of the project's,
loses every epoch to a stop (frameworks.py asks, SIG001 words its finding with the answer)."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, InstanceV, SeqV

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis


def writes_no_model(analysis: "Analysis", callbacks: ir.Sym, quiet: list[str]) -> bool:
    """Whether every callback is one that writes no model: a list written out, each item an
    instance of one of `quiet` (EarlyStopping), or of a project class whose methods reach no save
    and whose library bases are the plain callback or quiet ones (big_transfer's learning-rate
    schedule, triage DA)."""
    values = analysis.resolver.resolve(callbacks)
    if not values or not all(isinstance(value, SeqV) for value in values):
        return False
    items = [item for value in values for item in value.items]
    return all(isinstance(item, InstanceV) and (_quiet(item.of.qualname, quiet) if isinstance(item.of, ExternalV)
                                                else _quiet_own(analysis, item.of.class_id, quiet)) for item in items)


def _quiet(qualname: str, quiet: list[str]) -> bool:
    return any(fnmatchcase(qualname, pattern) for pattern in quiet)


def _quiet_own(analysis: "Analysis", class_id: str, quiet: list[str]) -> bool:
    classes = analysis.resolver.mro(class_id)
    if not all(isinstance(c, ClassV) or c.qualname.endswith(".callbacks.Callback") or _quiet(c.qualname, quiet)
               for c in classes):
        return False  # a subclass of ModelCheckpoint saves in its library base's code
    methods = [m for c in classes if isinstance(c, ClassV) for m in analysis.project.classes[c.class_id].methods.values()]
    return analysis.saves.reach_save(methods, periodic=True) is None
