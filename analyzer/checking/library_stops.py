"""Libraries whose own SIGTERM handler ends the fit: Composer's exits at once (`sys.exit`, since
0.17 with no save on the way out), Lightning's stops it at the next batch by raising
SIGTERMException. What the run keeps is what is saved on that way out: by the project's code as
the SystemExit unwinds, and for Lightning by the exception hooks of the trainer's callbacks,
which run before the exception leaves the fit. The fit call does not say which callbacks the
trainer was given; the calls that build trainers and callbacks in the run do."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Iterator

from sigcheck.checking.hydra_apps import HydraApp, hydra_app
from sigcheck.checking.kept_signal import signal_kept_from
from sigcheck.loading.hydra_configs import ConfiguredTarget
from sigcheck.model import ir
from sigcheck.model.products import CONFIGURED, NAMESPACE
from sigcheck.model.values import ClassV, ConfiguredV, DictV, ExternalV, InstanceV, SeqV, UnknownV, Value

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
    configured: str | None = None  # the Hydra configuration folder the trainer's callbacks are built from

    @property
    def exception(self) -> str:
        return self.library.option("stops-raising", "builtins.SystemExit")


def unsaved_library_stop(analysis: "Analysis", entry: "EntryFacts") -> LibraryStop | None:
    """The fit a library's own handler ends in a run that registers none of its own, where
    nothing saves on the way out. None where the signal never reaches the script: SIG001 and
    DKR007 say why."""
    if entry.first_work is None or any(r.handles_sigterm for r in entry.registrations) \
            or signal_kept_from(analysis, entry) is not None or _kept_by_an_image(analysis, entry):
        return None
    if entry.library_exit is not None:
        stop = LibraryStop(*entry.library_exit, raises=False)
    else:
        stop = raising_stop(analysis, entry)
        if stop is None:
            return None
        judged = _judged_callbacks(analysis, entry, stop)
        if judged is None:
            return None
        stop = replace(stop, configured=judged or None)
    return None if analysis.saves.unwinds_to_save(stop.exception, analysis.main_of([entry])) is not None else stop


def _kept_by_an_image(analysis: "Analysis", entry: "EntryFacts") -> bool:
    """Whether an analysed image's launch chain keeps SIGTERM from the trainer: the library's handler
    never runs there (DKR007 says so at the step that keeps it)."""
    return any(container.trainer is entry and not container.full_chain.receives()[-1] for container in analysis.containers)


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


def _judged_callbacks(analysis: "Analysis", entry: "EntryFacts", stop: LibraryStop) -> str | None:
    """Where every callback the run's trainers are built with is known to save nothing when the fit
    raises: "" when the code shows them all, the folder of the Hydra configuration that builds
    them; None where one saves or may, or sigcheck cannot see what a trainer is handed (a trainer
    built from configuration by Hydra or LightningCLI, callbacks from a function it cannot follow,
    another library's callback)."""
    trainers: list[ir.CallSite | ir.Assign] = []
    for event in _events_in_run(analysis, entry):
        if isinstance(event, ir.Assign):  # `trainer: Trainer = instantiate(cfg.trainer)`: its callbacks configured too
            trainers += [event] if _configured_declared_trainer(analysis, stop.library, event) else []
            continue
        for value in analysis.resolver.resolve(event.func):
            if _saving_callback(analysis, stop.library, event, value):
                return None
            if _is_trainer(analysis, stop.library, value) or _configured_trainer(value, event):
                trainers.append(event)
    if not trainers:
        return None  # built where sigcheck does not see it
    verdicts = [_quiet_callbacks(analysis, stop.library, site, entry) if isinstance(site, ir.CallSite)
                else _quiet_configuration(analysis, stop.library, entry) for site in trainers]
    if None in verdicts:
        return None
    return next((folder for folder in verdicts if folder), "")  # a configuration, where one builds them


def _events_in_run(analysis: "Analysis", entry: "EntryFacts") -> Iterator[ir.CallSite | ir.Assign]:
    for func_id in sorted(entry.main.listed):
        for event in analysis.functions[func_id].events:
            if isinstance(event, (ir.CallSite, ir.Assign)) and entry.runs(func_id, event):
                yield event


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


def _configured_trainer(value: Value, site: ir.CallSite) -> bool:
    """`hydra.utils.instantiate(cfg.trainer, callbacks=callbacks)`: a trainer its configuration
    names, handed the callbacks the code builds."""
    return isinstance(value, ExternalV) and value.qualname in CONFIGURED and "callbacks" in dict(site.kwargs)


def _configured_declared_trainer(analysis: "Analysis", library: "Entry", event: ir.Assign) -> bool:
    """`trainer: Trainer = hydra.utils.instantiate(cfg.trainer)`: a trainer declared the
    library's and built from configuration with no callbacks from the code, so with those its
    configuration names (the trainer file's `callbacks:` list), or the default ones."""
    value = event.value
    if not isinstance(value, ir.CallOf) or "callbacks" in dict(value.kwargs) or value.star:
        return False
    built = analysis.resolver.resolve(value.func)
    return any(isinstance(v, ExternalV) and v.qualname in CONFIGURED for v in built) and \
        any(isinstance(v, InstanceV) and _is_trainer(analysis, library, v.of) for v in analysis.resolver.resolve(event.target))


def _quiet_configuration(analysis: "Analysis", library: "Entry", entry: "EntryFacts") -> str | None:
    """The folder of the run's Hydra configuration, where none of the callbacks it names saves."""
    packages = tuple(f"{package}." for package in library.option("callback-packages", []))
    app = hydra_app(analysis, entry)
    return app.display if app is not None and _configured_quiet(analysis, library, app, packages) else None


def _quiet_callbacks(analysis: "Analysis", library: "Entry", site: ir.CallSite, entry: "EntryFacts") -> str | None:
    """Where every callback a trainer is built with is known to save nothing when the fit raises:
    none given (the default ModelCheckpoint saves at epoch ends only), or a list of the library's
    own callbacks and the project's (a saving one was found where it is built), written out ("")
    or built by Hydra from a configuration none of whose callbacks saves (its folder). None where
    one may save."""
    given = dict(site.kwargs).get("callbacks")
    if given is None and site.spread is not None and _parsed_options(analysis, site.spread):
        return ""  # `Trainer(**vars(args))`: options from the command line, none of them a callback
    if given is None and site.spread is not None and _spread_dicts(analysis, site.spread):
        given = ir.Item(site.spread, ir.Const("callbacks"))  # `Trainer(**trainer_args)`: the dict's entry and stores
        if not analysis.resolver.containers.item(given):
            return ""  # a dict with no callbacks: the default ModelCheckpoint
    if given is None:  # `Trainer(**config)` may hold them, as may either of two spreads; with none given, the default ModelCheckpoint
        return "" if site.spread is None and not site.star_args else None
    values = analysis.resolver.resolve(given)
    if not values or not all(isinstance(value, SeqV) for value in values):
        return None
    packages = tuple(f"{package}." for package in library.option("callback-packages", []))
    items = [item for value in values for item in value.items]  # type: ignore[attr-defined]
    if not all(isinstance(item, ConfiguredV) or (isinstance(item, InstanceV) and (
            isinstance(item.of, ClassV) or item.of.qualname.startswith(packages))) for item in items):
        return None
    return "" if not any(isinstance(item, ConfiguredV) for item in items) else _quiet_configuration(analysis, library, entry)


def _parsed_options(analysis: "Analysis", spread: ir.Sym) -> bool:
    """`vars(args)` of the namespace argparse parsed: strings and numbers from the command line."""
    return isinstance(spread, ir.CallOf) and len(spread.args) == 1 and not spread.kwargs \
        and any(isinstance(v, ExternalV) and v.qualname == "builtins.vars" for v in analysis.resolver.resolve(spread.func)) \
        and set(analysis.resolver.resolve(spread.args[0])) == {NAMESPACE}


def _spread_dicts(analysis: "Analysis", spread: ir.Sym) -> bool:
    """Whether a `**` argument is only dicts the code builds: their keys are the keywords (openfold's
    `trainer_args = {...}`, then `trainer_args.update({"callbacks": callbacks})`)."""
    values = analysis.resolver.resolve(spread)
    return bool(values) and all(isinstance(value, DictV) and not any(isinstance(key, UnknownV) for key, _ in value.entries)
                                for value in values)


def _configured_quiet(analysis: "Analysis", library: "Entry", app: HydraApp, packages: tuple[str, ...]) -> bool:
    """Whether no target of the app's configuration saves when the fit raises, and every callback
    it names is one sigcheck knows: the library's own, or a class of the project it has read."""
    for target in app.targets:
        if _saving_target(analysis, library, target):
            return False
    return all(target.qualname.startswith(packages) or analysis.project.class_named(target.qualname) is not None
               for target in app.callbacks())


def _saving_target(analysis: "Analysis", library: "Entry", target: ConfiguredTarget) -> bool:
    """A configured OnExceptionCheckpoint, ModelCheckpoint with `save_on_exception` not false, or a
    project class whose exception hook saves."""
    if any(fnmatchcase(target.qualname, pattern) for pattern in library.option("saving-callbacks", [])):
        return True
    *classes, keyword = library.option("saving-callback-keyword", [""])
    if any(fnmatchcase(target.qualname, pattern) for pattern in classes) and target.key(keyword) not in (None, False):
        return True
    class_id = analysis.project.class_named(target.qualname)
    hook = analysis.resolver.own_method(class_id, library.option("exception-hook", "")) if class_id else None
    return hook is not None and analysis.saves.reach_save([hook]) is not None


