"""Libraries that install their own SIGTERM handling on a run's path (Lightning's fit, Hugging Face's
Trainer with `enable_jit_checkpoint`), and the version pins that keep a project from a release
that does."""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from sigcheck.checking.fit_callbacks import writes_no_model
from sigcheck.checking.swallowed import swallowed_by
from sigcheck.loading.pins import Pins
from sigcheck.model import ir
from sigcheck.model.steps import built_with_a_step
from sigcheck.model.version_tests import under_a_version_test
from sigcheck.model.values import ClassV, ConstV, ExternalV

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis


class FrameworkHandling:
    def __init__(self, analysis: "Analysis") -> None:
        self.analysis = analysis

    @cached_property
    def calls(self) -> list[tuple[str, ir.Event, str]]:
        """Calls to libraries that install their own SIGTERM handling, and assignments that switch it on, in function order."""
        found = []
        for func_id in sorted(self.analysis.functions):
            for event in self.analysis.functions[func_id].events:
                reason = self._handles(func_id, event) if isinstance(event, ir.CallSite) else \
                    self._switched_on(event) if isinstance(event, ir.Assign) else None
                if reason is not None:
                    found.append((func_id, event, reason))
        return found

    def _handles(self, func_id: str, event: ir.CallSite) -> str | None:
        names = self.analysis.graph.qualnames(func_id, event)
        if event.spread is not None or any(keyword in self._switches for keyword, _ in event.kwargs):
            names = [*names, *self._library_bases(event)]
        if "dataclasses.replace" in names:  # a copy of the arguments with the switch changed: only they take its keyword
            switched = [k for k, _ in event.kwargs if k in self._switches and self._keyword_true(event, k)]
            if switched:
                return self._switches[switched[0]]
        for name in names:
            for entry in self.analysis.knowledge.frameworks.find(name):
                if entry.option("behaviour") == "handles" and self._keyword_true(event, entry.option("when-keyword")) \
                        and (not entry.option("saves-when-true") or self._answered_by_a_save(func_id, event)) \
                        and not self._spawns_its_workers(func_id, event, entry.option("spawns-with")):
                    return entry.reason
        return None

    def _spawns_its_workers(self, func_id: str, site: ir.CallSite, spawns: list | None) -> bool:
        """Whether the object fitted was built to run the fit in processes it spawns (`spawns-with`:
        the keyword, then its values): Lightning's `strategy="ddp_spawn"` installs its handler in
        the workers only, and the process the stop reaches has none (dgl's graphsage; triage CZ)."""
        if not spawns:
            return False
        keyword, *values = spawns
        resolve = self.analysis.resolver.resolve
        spawning = lambda sym: bool(resolve(sym)) and all(isinstance(v, ConstV) and v.value in values for v in resolve(sym))  # noqa: E731
        return built_with_a_step(self.analysis.functions, self.analysis.functions[func_id], site, [keyword], spawning, lambda _: [])

    def _keyword_true(self, site: ir.CallSite, keyword: str | None) -> bool:
        """Whether the call is given the keyword true: written out, through a name that holds true
        (`enable_jit_checkpoint=JIT`), or in a dict it spreads (`TrainingArguments(**config)`)."""
        if keyword is None:
            return True
        value = dict(site.kwargs).get(keyword)
        if value is None and site.spread is not None:
            values = self.analysis.resolver.containers.item(ir.Item(site.spread, ir.Const(keyword)))
        else:
            values = self.analysis.resolver.resolve(value) if value is not None else ()
        return bool(values) and all(isinstance(v, ConstV) and bool(v.value) for v in values)

    def _answered_by_a_save(self, func_id: str, site: ir.CallSite) -> bool:
        """Whether a save answers the preemption the `if` whose test makes the call notices: in its
        branch or on the way out it takes (a break, a return, a raise), or a save the function
        makes before it whatever the step (orbax's `manager.save(step)` every step, which its
        default policy turns into a save at the preemption step). A save only every so many steps
        (MaxText's, under `if step % period == 0`) does not. A call in no `if` test is taken as
        handled: its answer may go into a save's own decision."""
        fn = self.analysis.functions[func_id]
        branch = next((e for e in fn.events[site.index + 1:] if isinstance(e, ir.Branch) and e.test_start <= site.index), None)
        if branch is None or not branch.test_start <= site.index < branch.index:
            return True
        saves = self.analysis.saves
        return saves.response(func_id, branch, set(self.analysis.functions)) is not None or any(
            isinstance(e, ir.CallSite) and saves.is_save(func_id, e) and not _in_a_branch(fn, e)
            for e in fn.events[_iteration_start(fn, branch):branch.test_start])

    @cached_property
    def _switches(self) -> dict[str, str]:
        """The keywords that switch a library's handling on (`enable_jit_checkpoint`), with why."""
        return {entry.option("when-keyword"): entry.reason for entry in self.analysis.knowledge.frameworks
                if entry.option("behaviour") == "handles" and entry.option("when-keyword")}

    def _switched_on(self, event: ir.Assign) -> str | None:
        """`args.enable_jit_checkpoint = True`: the switch set on arguments made elsewhere (parsed
        from the command line by HfArgumentParser)."""
        target, value = event.target, event.value
        if isinstance(target, ir.Attr) and target.attr in self._switches and isinstance(value, ir.Const) and value.value:
            return self._switches[target.attr]
        return None

    def _library_bases(self, event: ir.CallSite) -> list[str]:
        """The library classes a project class called here derives from: a dataclass extending
        TrainingArguments takes its keywords."""
        return [base.qualname for value in self.analysis.resolver.resolve(event.func) if isinstance(value, ClassV)
                for base in self.analysis.resolver.mro(value.class_id) if isinstance(base, ExternalV)]

    @cached_property
    def pins(self) -> Pins:
        knowledge = self.analysis.knowledge
        packages = frozenset(p for entry in (*knowledge.frameworks, *knowledge.fits) for p in entry.option("package", []))
        return Pins(self.analysis.project.root, packages, written=self.analysis.written_pins)

    def pinned_before_remedy(self, module: str, fit) -> str | None:
        """The pin nearest the entry point `module` that keeps it on a release before the one
        that brought a fit's remedy (transformers 4.x: no enable_jit_checkpoint), as written."""
        since = fit.option("remedy-since")
        path = self.analysis.project.sources[module].path
        return self.pins.below(path, fit.option("package", []), since) if since else None

    def saves_as_it_goes(self, func_id: str, event: ir.CallSite, runs: Callable[[str], bool]) -> bool:
        """Whether a library's fit saves checkpoints by itself as training goes (the Hugging Face
        Trainer every save_steps), unless a call or assignment of the run (`runs` tells which
        functions it runs) sets the keyword that turns it off (`save_strategy="no"`)."""
        entries = [e for name in self.analysis.work.call_names(func_id, event)
                   for e in self.analysis.knowledge.fits.find(name) if e.option("saves-unless")]
        if not entries:
            return False
        keyword, off = entries[0].option("saves-unless")
        return not any(runs(f) for f, fn in self.analysis.functions.items()
                       if any(_may_set(other, keyword, off) for other in fn.events))

    def never_saves(self, func_id: str, event: ir.CallSite, runs: Callable[[str], bool]) -> bool:
        """Whether the run turns a library fit's own saving off and nothing else on: every value it
        gives the keyword is the one that turns it off, as written (`save_strategy="no"`); or the
        fit saves only through callbacks and is handed none (Keras' fit with no `callbacks`)."""
        names = self.analysis.work.call_names(func_id, event)
        through = [e for name in names for e in self.analysis.knowledge.fits.find(name) if e.option("saves-with")]
        if through:
            keyword, position = through[0].option("saves-with")
            given = dict(event.kwargs).get(keyword, event.args[position] if len(event.args) > position else None)
            return not event.star_args and (given is None or writes_no_model(self.analysis, given, through[0].option("quiet-callbacks", [])))
        entries = [e for name in names for e in self.analysis.knowledge.fits.find(name) if e.option("saves-unless")]
        if not entries:
            return False
        keyword, off = entries[0].option("saves-unless")
        # whether the run runs a function is asked of the few that give the keyword: asked of
        # every function, it was a walk each (unsloth's 27,000 functions took half a minute)
        given = [value for f, fn in self.analysis.functions.items()
                 for value in _all_given(fn, keyword) if runs(f)]
        return bool(given) and all(isinstance(value, ir.Const) and str(value.value).lower() == off for value in given)

    def fit_of(self, entry, work) -> tuple[str, ir.CallSite] | None:
        """The library fit a run's work is: the fit call, or the step of a loop that calls one."""
        if work.what == "fit call":
            return work.func_id, work.event
        if work.what == "training loop" and isinstance(work.event, ir.Loop):
            found = self.analysis.work.step_in(work.func_id, work.event, entry.main.runs_a_passer)
            if found is not None and self.analysis.work.is_fit_call(found[1], found[2]):
                return found[1], found[2]
        return None

    def remedy(self, entry, work) -> str:
        """What makes the library that trains handle SIGTERM itself, as SIG001's last clause, and the
        project's pin of an older release, which the remedy needs lifted. A loop whose step is the
        library's fit (`for task in tasks: trainer.train()`, peft's continual learning) takes it too."""
        fit_call = self.fit_of(entry, work)
        names = self.analysis.work.call_names(*fit_call) if fit_call is not None else []
        for name in names:
            for fit in self.analysis.knowledge.fits.find(name):
                if fit.option("remedy"):
                    pinned = self.pinned_before_remedy(entry.entry.module, fit)
                    older = self._removed_by_remedy(entry, fit, fit_call)
                    # the release that brought the remedy is the one that dropped the keyword, not the pinned one
                    release = f"{fit.option('package', ['the library'])[0]} {fit.option('remedy-since', '')}".strip()
                    return f"; {fit.option('remedy')}" + (f", and the project pins {pinned}, an older release" if pinned else "") \
                        + (f"; {release} no longer takes {older}" if older else "")
        return swallowed_by(self.analysis, entry)

    def _removed_by_remedy(self, entry, fit, fit_call: tuple[str, ir.CallSite]) -> str | None:
        """A keyword the run passes to the fit's class that the remedy's release no longer takes
        (`Trainer(tokenizer=...)`: `processing_class` in transformers 5), and what replaces it.
        The class is one the fit call may be on, built anywhere but after the fit in its own
        function (unsloth's `trainer` is a Trainer in one branch, an SFTTrainer in the next)."""
        # a keyword a library the run imports keeps working (unsloth rebinds TRL's trainers to take `tokenizer=`)
        removed = {keyword: instead for keyword, instead in fit.option("remedy-removed", {}).items()
                   if not entry.run_imports(fit.option("remedy-removed-kept-by", {}).get(keyword, []))}
        fit_names = frozenset(self.analysis.work.call_names(*fit_call))
        for func_id in sorted(entry.main) if removed else ():
            fn = self.analysis.functions[func_id]
            for event in fn.events[:fit_call[1].index] if func_id == fit_call[0] else fn.events:
                passed = [k for k in _keywords(fn, event) if k in removed] if isinstance(event, ir.CallSite) else ()
                for name in self._called(func_id, event) if passed else ():
                    configures = any(fnmatchcase(name, pattern) for pattern in fit.option("remedy-removed-from", []))
                    if configures or f"{name}.train" in fit_names and fit in self.analysis.knowledge.fits.find(f"{name}.train"):
                        line = self.analysis.positions.span(fn.module, event.node).line
                        return (f"{name.rsplit('.', 1)[-1]}({passed[0]}=...) ({self._display(func_id)}:{line}): "
                                f"pass {removed[passed[0]]} instead")
        return None

    def pin_files(self) -> list:
        """The files version pins were read from or looked for, if this run asked for any: a
        cached report depends on them."""
        return self.pins.inputs() if "pins" in self.__dict__ else []

    def pinned_before_handling(self, func_id: str, event: ir.Event, module: str,
                               runs: Callable[[str, ir.Event], bool] = lambda *_: False) -> str | None:
        """What keeps a library from handling SIGTERM for the entry point `module`: its handling
        came with a release that the project's pin nearest the entry point excludes, or that
        removed a keyword the run passes to the library's class (`Trainer(gpus=1)`: `runs`
        tells whether the entry point's run makes that call) or a name a module of the run
        imports (`pytorch_lightning.loggers.LightningLoggerBase`, gone in 1.9)."""
        path = self.analysis.project.sources[module].path
        for name in self._called(func_id, event):
            for entry in self.analysis.knowledge.frameworks.find(name):
                if entry.option("since") and entry.option("behaviour") == "handles":
                    pinned = self.pins.below(path, entry.option("package", []), entry.option("since"))
                    older = [*self._older_calls, *self._older_methods, *self._older_imports]
                    return pinned or next((written for caller, site, written, found in older if found is entry and runs(caller, site)
                                           and not under_a_version_test(self.analysis.functions[caller], site)), None)
        return None

    @cached_property
    def _older_methods(self) -> list[tuple[str, ir.CallSite, str, object]]:
        """Calls of a method the release that brought a library's handling removed
        (`Trainer.from_argparse_args(args)`: pytorchvideo's tutorial), with how they are written."""
        entries = [entry for entry in self.analysis.knowledge.frameworks if entry.option("removed-methods")]
        packages = {pattern.split(".")[0] for entry in entries for pattern in entry.option("removed-methods")}
        if not any(imported.split(".")[0] in packages for summary in self.analysis.project.modules.values()
                   for imported in summary.imports):
            return []  # a project that imports none of those libraries calls none of their methods
        methods = {pattern.rsplit(".", 1)[-1] for entry in entries for pattern in entry.option("removed-methods")}
        found = []
        for func_id in sorted(self.analysis.functions) if entries else ():
            for event in self.analysis.functions[func_id].events:
                if not (isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr in methods):
                    continue
                for name in self.analysis.graph.qualnames(func_id, event):
                    entry = next((e for e in entries if any(fnmatchcase(name, p) for p in e.option("removed-methods"))), None)
                    if entry is not None:
                        library = f"{entry.option('package', ['the library'])[0]} {entry.option('since')}"
                        short = ".".join(name.rsplit(".", 2)[-2:])
                        found.append((func_id, event, f"{short}() in {self._display(func_id)}, which {library} no longer has", entry))
                        break
        return found

    @cached_property
    def _older_calls(self) -> list[tuple[str, ir.CallSite, str, object]]:
        """Calls of a handling library's class with a keyword the release that brought the
        handling removed, with how they are written and the library's entry."""
        removed = {k for entry in self.analysis.knowledge.frameworks for k in entry.option("removed-since", [])}
        found = []
        for func_id in sorted(self.analysis.functions):
            for event in self.analysis.functions[func_id].events:
                keywords = [k for k in _keywords(self.analysis.functions[func_id], event) if k in removed] \
                    if isinstance(event, ir.CallSite) else ()
                for name in self._called(func_id, event) if keywords else ():
                    for entry in self.analysis.knowledge.frameworks.find(f"{name}.fit"):
                        passed = [k for k in keywords if k in entry.option("removed-since", [])]
                        if passed:
                            library = f"{entry.option('package', ['the library'])[0]} {entry.option('since')}"
                            call = f"({passed[0]}=...) in {self._display(func_id)}" if passed[0] in dict(event.kwargs) \
                                else f"(**{event.spread.name}) in {self._display(func_id)}, passing {passed[0]}"  # type: ignore[union-attr]
                            written = f"{name.rsplit('.', 1)[-1]}{call}, a keyword {library} removed"
                            found.append((func_id, event, written, entry))
        return found

    @cached_property
    def _older_imports(self) -> list[tuple[str, ir.Import, str, object]]:
        """Imports of a name that the release that brought a library's handling no longer has,
        with how they are written and the library's entry."""
        entries = [entry for entry in self.analysis.knowledge.frameworks if entry.option("removed-imports")]
        found = []
        for summary in self.analysis.project.modules.values() if entries else ():
            for event in summary.body.events:
                for entry in entries if isinstance(event, ir.Import) else ():
                    gone = next((name for name in event.modules for removed in entry.option("removed-imports")
                                 if name == removed or name.startswith(removed + ".")), None)
                    if gone is not None:
                        library = f"{entry.option('package', ['the library'])[0]} {entry.option('since')}"
                        found.append((summary.body_id, event, f"{gone}, imported in {summary.display}, which "
                                                              f"{library} no longer has", entry))
        return found

    def _display(self, func_id: str) -> str:
        return self.analysis.project.sources[self.analysis.functions[func_id].module].display

    @cached_property
    def exiting_calls(self) -> list[tuple[str, ir.CallSite, object]]:
        """Calls of libraries whose own SIGTERM handler exits at once (Composer's `sys.exit`), with
        the library's entry, in function order."""
        # Only a project that imports such a library somewhere can call it (a trainer built in one
        # module is fitted in another): naming every call of one that imports none (all of
        # transformers) cost SIG002 a third of a run.
        packages = {pattern.split(".")[0] for entry in self.analysis.knowledge.frameworks
                    if entry.option("behaviour") == "exits" for pattern in entry.patterns}
        if not any(imported.split(".")[0] in packages for summary in self.analysis.project.modules.values()
                   for imported in summary.imports):
            return []
        return [(func_id, event, entry) for func_id in sorted(self.analysis.functions)
                for event in self.analysis.functions[func_id].events if isinstance(event, ir.CallSite)
                for entry in self._exiting(func_id, event)]

    def _exiting(self, func_id: str, event: ir.CallSite) -> list:
        entries = [e for name in self._called(func_id, event) for e in self.analysis.knowledge.frameworks.find(name)
                   if e.option("behaviour") == "exits"]
        return entries[:1]

    def saves_on_exit(self, entry, module: str, runs: Callable[[str], bool]) -> str | None:
        """A pin that keeps the entry point `module` on a release of the library that still saved
        on its way out (Composer before 0.17), as written; None if none does, or if that save
        needs a place the run never gives (`saves-before-into`: Composer's `save_folder`, left
        out or None in every call the run makes)."""
        before, into = entry.option("saves-before"), entry.option("saves-before-into")
        if not before or (into and all(isinstance(value, ir.Const) and value.value is None for f, fn in
                                       self.analysis.functions.items() if runs(f) for value in _all_given(fn, into))):
            return None
        path = self.analysis.project.sources[module].path
        return self.pins.below(path, entry.option("package", []), before)

    def needed_calls(self, func_id: str, event: ir.Event) -> frozenset[str]:
        """The calls a library's handling needs the run to make too (JAX's preemption test needs
        `jax.distributed.initialize()`, which starts the service that hears SIGTERM)."""
        return frozenset(name for called in self._called(func_id, event)
                         for entry in self.analysis.knowledge.frameworks.find(called) for name in entry.option("needs-call", []))

    def handles_only_fit_calls(self, func_id: str, event: ir.CallSite) -> bool:
        """A library whose handling works through the fit loop it hooks into (NeMo's preemption
        callback installs its handler when Lightning's fit starts): a loop of the project's own
        never runs it."""
        return any(entry.option("only-fit-calls") for name in self._called(func_id, event)
                   for entry in self.analysis.knowledge.frameworks.find(name))

    def _called(self, func_id: str, event: ir.Event) -> list[str]:
        """The library names a call runs; none for a switch set by assignment."""
        return self.analysis.graph.qualnames(func_id, event) if isinstance(event, ir.CallSite) else []


def _in_a_branch(fn: ir.FunctionInfo, event: ir.Event) -> bool:
    return any(isinstance(b, ir.Branch) and b.index < event.index < b.end for b in fn.events[:event.index])


def _iteration_start(fn: ir.FunctionInfo, event: ir.Event) -> int:
    """Where the iteration of the innermost loop around the event starts (the function's start)."""
    loops = [e for e in fn.events[:event.index] if isinstance(e, ir.Loop) and e.index < event.index < e.body_end]
    return loops[-1].index + 1 if loops else 0




def _keywords(fn: ir.FunctionInfo, site: ir.CallSite) -> list[str]:
    """The keywords a call passes, also those of a dict the function builds and spreads into it
    (`params = {"gpus": 1}`, `params["resume_from_checkpoint"] = path`, `Trainer(**params)`)."""
    written = [keyword for keyword, _ in site.kwargs]
    spread = site.spread
    if not isinstance(spread, ir.Name) or spread.scope != fn.id:
        return written
    for event in fn.events[:site.index]:  # what the dict holds by the call, not what a later one is given
        if not isinstance(event, ir.Assign):
            continue
        target, value = event.target, event.value
        if target == spread and isinstance(value, ir.DictOf):
            written += [key.value for key, _ in value.entries if isinstance(key, ir.Const) and isinstance(key.value, str)]
        elif target == spread and isinstance(value, ir.CallOf) and isinstance(value.func, ir.Name) and value.func.name == "dict":
            written += [keyword for keyword, _ in value.kwargs]
        elif isinstance(target, ir.Item) and target.base == spread and isinstance(target.key, ir.Const) \
                and isinstance(target.key.value, str):
            written.append(target.key.value)
    return written


def _all_given(fn: ir.FunctionInfo, keyword: str) -> list[ir.Sym]:
    return [value for event in fn.events if (value := _given(event, keyword)) is not None]


def _given(event: ir.Event, keyword: str) -> ir.Sym | None:
    """The value a call passes as the keyword, or an assignment gives the attribute of that name."""
    if isinstance(event, ir.CallSite):
        return dict(event.kwargs).get(keyword)
    if isinstance(event, ir.Assign) and isinstance(event.target, ir.Attr) and event.target.attr == keyword:
        return event.value
    return None


def _may_set(event: ir.Event, keyword: str, value: str) -> bool:
    """`TrainingArguments(..., save_strategy="no")`, `IntervalStrategy.NO`, `args.save_strategy = "no"`,
    or a value sigcheck cannot read (`save_strategy=args.save_strategy`): it may be set so."""
    given = _given(event, keyword)
    if isinstance(given, ir.Const):
        return isinstance(given.value, str) and given.value.lower() == value
    constant = isinstance(given, ir.Attr) and given.attr.isupper()  # an enum's member: IntervalStrategy.STEPS
    return given is not None and not (constant and given.attr.lower() != value)
