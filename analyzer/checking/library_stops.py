"""Libraries whose own SIGTERM handler ends the fit: Composer's exits at once (`sys.exit`, since
0.17 with no save on the way out), Lightning's stops it at the next batch by raising
SIGTERMException. What the run keeps is what is saved on that way out: by the project's code as
the SystemExit unwinds, and for Lightning by the exception hooks of the trainer's callbacks,
which run before the exception leaves the fit. The fit call does not say which callbacks the
trainer was given; the calls that build trainers and callbacks in the run do."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Iterator

from sigcheck.checking.kept_signal import signal_kept_from
from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, InstanceV, SeqV, Value

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.checking.entries import EntryFacts
    from sigcheck.knowledge import Entry


@dataclass(frozen=True)
class LibraryStop:
    """A fit on a run's main path that its library's handler ends, with the library's entry."""

    func_id: str
    site: ir.CallSite
    library: "Entry"
    raises: bool  # at the next batch (Lightning's), not at once (Composer's exit)

    @property
    def exception(self) -> str:
        return self.library.option("stops-raising", "builtins.SystemExit")


def unsaved_library_stop(analysis: "Analysis", entry: "EntryFacts") -> LibraryStop | None:
    """The fit a library's own handler ends in a run that registers none of its own, where
    nothing saves on the way out. None where the signal never reaches the script: SIG001 and
    DKR007 say why."""
    if entry.first_work is None or any(r.handles_sigterm for r in entry.registrations) \
            or signal_kept_from(analysis, entry) is not None:
        return None
    if entry.library_exit is not None:
        stop = LibraryStop(*entry.library_exit, raises=False)
    else:
        stop = raising_stop(analysis, entry)
        if stop is None or saves_on_the_way_out(analysis, entry, stop):
            return None
    return None if analysis.saves.unwinds_to_save(stop.exception, analysis.main_of([entry])) is not None else stop


def raising_stop(analysis: "Analysis", entry: "EntryFacts") -> LibraryStop | None:
    """The fit of the library that handles SIGTERM for this run, where that library stops the fit
    by raising; None where another library's handling on the path saves by itself (NeMo's
    preemption callback), or none handles it."""
    first = None  # none where the handling is switched on from outside the code (the Hugging Face Trainer's)
    for func_id, site, _ in entry.handling_calls:
        if not isinstance(site, ir.CallSite):
            return None  # a switch set by assignment (`args.enable_jit_checkpoint = True`): a library that saves
        library = next((e for name in analysis.graph.qualnames(func_id, site)
                        for e in analysis.knowledge.frameworks.find(name) if e.option("stops-raising")), None)
        if library is None:
            return None
        first = first or LibraryStop(func_id, site, library, raises=True)
    return first


def saves_on_the_way_out(analysis: "Analysis", entry: "EntryFacts", stop: LibraryStop) -> bool:
    """Whether a callback the trainer is handed saves in its exception hook, or may: sigcheck takes
    it so where it cannot see what the trainer is handed (a trainer built from configuration by
    Hydra or LightningCLI, callbacks from a function it cannot follow, another library's callback)."""
    trainers = []
    for func_id, site, values in _calls_in_run(analysis, entry):
        for value in values:
            if _saving_callback(analysis, stop.library, site, value):
                return True
            if _is_trainer(analysis, stop.library, value):
                trainers.append(site)
    if not trainers:
        return True  # built where sigcheck does not see it
    return not all(_quiet_callbacks(analysis, stop.library, site) for site in trainers)


def _calls_in_run(analysis: "Analysis", entry: "EntryFacts") -> Iterator[tuple[str, ir.CallSite, tuple[Value, ...]]]:
    for func_id in sorted(entry.main.listed):
        for event in analysis.functions[func_id].events:
            if isinstance(event, ir.CallSite) and entry.runs(func_id, event):
                yield func_id, event, analysis.resolver.resolve(event.func)


def _saving_callback(analysis: "Analysis", library: "Entry", site: ir.CallSite, value: Value) -> bool:
    """A call that builds a callback saving when the fit raises: OnExceptionCheckpoint,
    ModelCheckpoint told `save_on_exception` (or given a value sigcheck cannot read), or a class of
    the project whose exception hook saves."""
    if isinstance(value, ExternalV):
        if any(fnmatchcase(value.qualname, pattern) for pattern in library.option("saving-callbacks", [])):
            return True
        *classes, keyword = library.option("saving-callback-keyword", [""])
        given = dict(site.kwargs).get(keyword)
        return any(fnmatchcase(value.qualname, pattern) for pattern in classes) and given is not None \
            and not (isinstance(given, ir.Const) and not given.value)
    if isinstance(value, ClassV):
        hook = analysis.resolver.own_method(value.class_id, library.option("exception-hook", ""))
        return hook is not None and analysis.saves.reach_save([hook]) is not None
    return False


def _is_trainer(analysis: "Analysis", library: "Entry", value: Value) -> bool:
    """The library's trainer class, or a project class deriving from it."""
    classes = library.option("trainer-classes", [])
    if isinstance(value, ExternalV):
        return value.qualname in classes
    if isinstance(value, ClassV):
        return any(isinstance(base, ExternalV) and base.qualname in classes for base in analysis.resolver.mro(value.class_id))
    return False


def _quiet_callbacks(analysis: "Analysis", library: "Entry", site: ir.CallSite) -> bool:
    """Whether every callback a trainer is built with is known to save nothing when the fit raises:
    none given (the default ModelCheckpoint saves at epoch ends only), or a list written out of the
    library's own callbacks and the project's (a saving one was found where it is built)."""
    given = dict(site.kwargs).get("callbacks")
    if given is None:  # `Trainer(**config)` may hold them; with none given, the default ModelCheckpoint
        return site.spread is None
    values = analysis.resolver.resolve(given)
    if not values or not all(isinstance(value, SeqV) for value in values):
        return False
    packages = tuple(f"{package}." for package in library.option("callback-packages", []))
    items = [item for value in values for item in value.items]  # type: ignore[attr-defined]
    return all(isinstance(item, InstanceV) and (isinstance(item.of, ClassV) or item.of.qualname.startswith(packages))
               for item in items)

