"""Facts about one entry point's run: what its main thread runs, where its work is, which of the
project's SIGTERM registrations and library handling it meets, and its deadline."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sigcheck.checking.kept_signal import KeptSignal
from sigcheck.checking.image_launches import image_launches
from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD, Step
from sigcheck.model.children import ChildStart, lacks_parents_handler
from sigcheck.model.project import EntryPoint
from sigcheck.model.runs import CommandRun, RunView, command_runs
from sigcheck.model.signals import HandlerRegistration
from sigcheck.model.work import Work

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis
    from sigcheck.loading.launch_scripts import ScriptLaunch

ELSEWHERE = frozenset({"thread", "executor", "process"})
# every edge but an import's (see defines_only): what the module's own code runs, now or later
_RUNS_ITSELF = (MAIN_THREAD | ELSEWHERE | {"atexit", "remote", "handler"}) - {"import"}


@dataclass(frozen=True)
class Deadline:
    seconds: int
    context: str  # "on SageMaker", "under torchrun", "if started by torchrun"
    conditional: bool = False  # it holds only if the launcher starts the script, which may run without it

    def __str__(self) -> str:
        return f"{self.seconds} s"

    @property
    def aside(self) -> str:
        """The context inside parentheses: "under torchrun, run.sh:3", not "(under torchrun (run.sh:3))"."""
        if self.context.endswith(")") and " (" in self.context:
            return self.context[:-1].replace(" (", ", ", 1)
        return self.context


@dataclass(frozen=True)
class SignalledChild:
    """Training in a child process (a function started as its target) that a SIGTERM handler of
    the parent passes the signal on to: what the signal does there is the child's run's affair."""

    start: ChildStart
    target: str  # the function the child runs
    work: Work  # the first training in the child's run, reached from `target`
    run: RunView  # what the child's main thread runs
    forwarded_by: str  # the call that passes the signal on, by its library name; "" when the platform signals it
    platform: str = ""  # the platform that sends SIGTERM to every process of the job ("Slurm"), if one does


@dataclass
class EntryFacts:
    """Facts about one entry point: what its main thread runs, and where its work is."""

    analysis: Analysis
    entry: EntryPoint

    @cached_property
    def body_id(self) -> str:
        return self.analysis.project.modules[self.entry.module].body_id

    @cached_property
    def main(self) -> RunView:
        """What the main thread runs (membership is cheap; listing it walks the graph)."""
        return RunView(self.analysis.reachability, frozenset({self.body_id}))

    @cached_property
    def command_runs(self) -> list[CommandRun]:
        """The main thread's run with each command of a command-line runner that picks one."""
        return command_runs(self.main)

    def trains_beside(self, func_id: str) -> bool:
        """Whether the run trains where `func_id` runs: where a command-line runner picks one
        command, in the run of a command that runs `func_id` (a server command's handler covers
        no training of another command)."""
        if self.first_work is None:
            return False
        runs = [run for run in self.command_runs if func_id in run]
        return not runs or any(self._trains_in(run) for run in runs)

    def _trains_in(self, run: CommandRun) -> bool:
        work = self.first_work
        if work.func_id in run and all(step.callee in run for step in work.path):
            return True
        return self.command_work(run) is not None

    def command_work(self, run: CommandRun) -> tuple[str, Work] | None:
        """The first training the command's own functions (the subcommand, the groups before it)
        meet in its run, with the function it starts from."""
        for command in sorted(run.command):
            found = self.analysis.work.first_work(command, run.__contains__)
            if found is not None:
                return command, found
        return None

    @cached_property
    def everywhere(self) -> RunView:
        return RunView(self.analysis.reachability, frozenset({self.body_id}), MAIN_THREAD | ELSEWHERE)

    @cached_property
    def first_work(self) -> Work | None:
        return self.analysis.work.first_work(self.body_id, self.main.runs_a_passer)

    @cached_property
    def defines_only(self) -> bool:
        """Whether running the module runs none of the project's functions nor a loop of its own,
        though it defines some: a module a console script or another script runs (litgpt's
        pretrain.py), named as if it were the script. Nothing of it would be judged. Not a module
        whose functions a library decorates (a Flask route, a Modal function: the server or the
        library's command runs them), nor one that registers a signal handler (judged anyway)."""
        project = self.analysis.project
        summary = project.modules[self.entry.module]
        functions = [fn for fn in summary.functions.values() if fn.kind == "function"]
        if not functions or self.first_work is not None or any(fn.decorators for fn in functions) \
                or any(isinstance(event, ir.Loop) for event in summary.body.events) \
                or any(r.func_id in summary.functions for r in self.analysis.registrations):
            return False
        # what its own body runs, not the module bodies its imports run (a registry filled at import)
        reached = self.analysis.graph.reach([self.body_id], _RUNS_ITSELF)
        return not any(project.functions[f].kind != "module" for f in reached if f in project.functions)

    @cached_property
    def registrations(self) -> list[HandlerRegistration]:
        """The registrations the run makes, but those only a side of an `if` that trains nothing makes."""
        return [r for r in self.analysis.registrations if self.runs(r.func_id, r.site) and not self.made_apart(r)]

    def made_apart(self, registration: HandlerRegistration) -> bool:
        return any(registration is apart for apart, _ in self.registered_apart)

    @cached_property
    def registered_apart(self) -> list[tuple[HandlerRegistration, ir.Branch]]:
        """SIGTERM registrations made only on the side of an `if` whose other side trains, with that
        `if`: the runs that train never make them (see apart_from_training)."""
        from sigcheck.checking.registration_conditions import apart_from_training

        found = []
        for registration in self.analysis.registrations:
            if registration.covers_sigterm and self.runs(registration.func_id, registration.site):
                branch = apart_from_training(self.analysis, self, registration)
                if branch is not None:
                    found.append((registration, branch))
        return found

    @cached_property
    def framework_handling(self) -> tuple[str, ir.CallSite, str] | None:
        """A call on the main path to a library that installs its own SIGTERM handling, or the
        library fit it trains in where every launch of the script switches that on."""
        return next(iter(self.handling_calls), None) or self._switched_by_launches

    @cached_property
    def handling_calls(self) -> list[tuple[str, ir.CallSite, str]]:
        """Every call on the main path to a library that installs its own SIGTERM handling here,
        in function order."""
        fits = self.first_work is not None and self.first_work.what == "fit call"
        return [call for call in self.analysis.frameworks.calls if self.runs(call[0], call[1])
                and (fits or not self.analysis.frameworks.handles_only_fit_calls(call[0], call[1]))
                and self.analysis.frameworks.pinned_before_handling(call[0], call[1], self.entry.module, self.runs) is None
                and self._makes(self.analysis.frameworks.needed_calls(call[0], call[1]))]

    @cached_property
    def handling_unmade(self) -> list[tuple[str, ir.CallSite, str]]:
        """Calls on the main path to a library that would handle SIGTERM, but only with a call the
        run never makes (a PreemptionCheckpointHandler whose `run` no step goes through)."""
        return [call for call in self.analysis.frameworks.calls if self.runs(call[0], call[1])
                and (needed := self.analysis.frameworks.needed_calls(call[0], call[1])) and not self._makes(needed)]

    def _makes(self, qualnames: frozenset[str]) -> bool:
        """Whether the main thread makes one of these library calls (all of them, if none is named)."""
        return not qualnames or any(name in qualnames for func_id in self.main for event in self.analysis.functions[func_id].events
                                    if isinstance(event, ir.CallSite) and self.runs(func_id, event)
                                    for name in self.analysis.graph.qualnames(func_id, event))

    def library_stops_after(self, registration: HandlerRegistration) -> bool:
        """Whether the library fit this run trains in keeps a SIGTERM handler registered before it
        and stops the fit itself once the handler returns (Lightning calls the one it finds after
        its own)."""
        handling = self.framework_handling
        if handling is None or not isinstance(handling[1], ir.CallSite):
            return False
        func_id, site, _ = handling
        if not any(e.option("chains-handlers") for name in self.analysis.graph.qualnames(func_id, site)
                   for e in self.analysis.knowledge.frameworks.find(name)):
            return False
        at, fit_at = self.position(registration.func_id, registration.site), self.position(func_id, site)
        return at is not None and fit_at is not None and at < fit_at

    @cached_property
    def _switched_by_launches(self) -> tuple[str, ir.CallSite, str] | None:
        """The fit this run trains in (the Trainer's train), where the script is launched in the
        project and every launch sets the fit's switch from outside the code: `--enable_jit_checkpoint
        True` on the line, in a config file it names, or in an estimator's hyperparameters."""
        work = self.first_work
        if work is None or work.what != "fit call" or not isinstance(work.event, ir.CallSite):
            return None
        switches = {fit.option("switch") for name in self.analysis.work.call_names(work.func_id, work.event)
                    for fit in self.analysis.knowledge.fits.find(name) if fit.option("switch")}
        path = self.analysis.project.sources[self.entry.module].path
        launches = [*self.script_launches[0], *(call for call in self.analysis.estimators if call.script.resolve() == path),
                    *image_launches(self.analysis, path)]
        if not switches or not launches or not all(switches & launch.switched for launch in launches):
            return None
        # a shell script's launch has its line; an estimator call its span
        places = sorted({f"{launch.display}:{launch.span[0] if hasattr(launch, 'span') else launch.line}" for launch in launches})
        return work.func_id, work.event, f"every launch of the script switches its SIGTERM handling on ({', '.join(places)})"

    @cached_property
    def library_exit(self) -> tuple[str, ir.CallSite, object] | None:
        """A call on the main path to a library whose own SIGTERM handler exits at once (Composer),
        with the library's entry: SIG002 judges that handler. None where a pin keeps the project
        on a release that saved on its way out."""
        return next((call for call in self.analysis.frameworks.exiting_calls if self.runs(call[0], call[1])
                     and self.analysis.frameworks.saves_on_exit(call[2], self.entry.module, self.main.__contains__) is None), None)

    @cached_property
    def library_handles(self) -> bool:
        """Whether the main path calls a library that installs a SIGTERM handler of its own that
        exits (Composer), whatever release a pin keeps: the run is not one without a handler."""
        return any(self.runs(func_id, site) for func_id, site, _ in self.analysis.frameworks.exiting_calls)

    @cached_property
    def handling_pinned_out(self) -> str | None:
        """A pin that keeps a library on this run's path from handling SIGTERM, as written
        (`pytorch-lightning==1.4.2 in environment.yaml`): why it is not `framework_handling`."""
        return next((pin for func_id, site, _ in self.analysis.frameworks.calls if self.runs(func_id, site)
                     for pin in [self.analysis.frameworks.pinned_before_handling(func_id, site, self.entry.module, self.runs)] if pin), None)

    @cached_property
    def signalled_children(self) -> list[SignalledChild]:
        """The training children this run starts and its SIGTERM handler signals (`terminate()`,
        `os.kill`), or the platform does (Slurm signals every process): a child no one signals is
        SIG010's, and one told by an event it checks (`stop.set()`) receives no signal at all."""
        forwarded = next((call for r in self.registrations if r.covers_sigterm and r.handlers
                          for call in [self.analysis.forwarding(r)[0]] if call is not None), None)
        platform = self.every_process_signalled_by
        if forwarded is None and platform is None:
            return []
        found = []
        for start in self.analysis.child_starts:
            if start.runs != "target" or not self.runs(start.func_id, start.site):
                continue
            if forwarded is None and not signalled_by_platform(start):
                continue
            for target in start.targets:
                run = RunView(self.analysis.reachability, frozenset({target}))
                work = self.analysis.work.first_work(target, run.runs_a_passer)
                if work is not None:
                    found.append(SignalledChild(start, target, work, run, forwarded or "", platform or ""))
        return found

    @cached_property
    def every_process_signalled_by(self) -> str | None:
        """The platform that sends the stop signal to every process of this run, children
        included: the configured one (Slurm), or Slurm where a batch script of the project runs
        the script. None on a container platform, where PID 1 alone hears it."""
        if self.analysis.signals_every_process:
            return self.analysis.platform_label
        launchers = {launch.launcher for launch in self.script_launches[1]}
        return next((p.label for p in self.analysis.knowledge.platforms.values() if p.every_process and p.label in launchers), None)

    @cached_property
    def unhandled_children(self) -> list[SignalledChild]:
        """The signalled children whose run handles no SIGTERM: no handler of their own, no
        library's, and none they may have from the parent."""
        analysis = self.analysis
        return [child for child in self.signalled_children
                if not any(r.handles_sigterm and r.func_id in child.run for r in analysis.registrations)
                and not any(func_id in child.run for func_id, _, _ in analysis.frameworks.calls)
                and all(lacks_parents_handler(analysis.graph, r, child.start) for r in self.registrations if r.handles_sigterm)]

    def runs(self, func_id: str, event: ir.Event) -> bool:
        """Whether the main thread runs this event: its function is reached, and it is not in the
        main block of a module this entry point only imports."""
        return func_id in self.main and (func_id == self.body_id
                                         or event.index not in self.analysis.graph.main_block(func_id))

    @cached_property
    def launcher_deadline(self) -> Deadline | None:
        """A launcher that kills workers sooner than the platform: one a shell script of the
        project starts this script with, else one its README shows starting it, else one
        recognised by the environment variables it sets and a module the entry point runs reads
        (torchrun: LOCAL_RANK)."""
        launched, local = self.script_launches
        if launched and not local:
            return None  # run in a SageMaker job, where the launcher never receives SIGTERM: the platform's deadline
        if local:  # a shell script of the project starts it so: seen, not guessed from the code
            return strictest(local)
        shown = self._shown_launches
        if shown:  # none does: how its README says to start it, before a guess from the code
            return strictest(shown)
        for deadline, runners, (others, own) in self.analysis.launcher_hints:
            if self.body_id in runners and not (self.run_imports(others) and not self.run_imports(own)):
                return deadline
        return None

    @cached_property
    def _shown_launches(self) -> list[ScriptLaunch]:
        """The launches of this script its READMEs show."""
        path = self.analysis.project.sources[self.entry.module].path
        return [launch for launch in self.analysis.documented if launch.target == path]

    def run_imports(self, libraries: list[str]) -> bool:
        """Whether a module the run goes through imports one of these libraries: a TensorFlow and
        Horovod run reading LOCAL_RANK in a copied CPU-affinity helper (DeepLearningExamples') is
        started by horovodrun or mpirun, not torchrun, unless it imports torch too."""
        if not libraries:
            return False
        # the imports that run: at a module's top, or in a function the run calls, not one it never
        # does (autotrain's `is_unsloth_available()`, which imports unsloth; triage BU)
        prefixes = tuple(f"{library}." for library in libraries)
        functions = self.analysis.functions
        return any(name in libraries or name.startswith(prefixes) for f in self.main.listed
                   for event in functions[f].events if isinstance(event, ir.Import) for name in event.modules)

    @cached_property
    def platform_deadline(self) -> Deadline | None:
        """The deadline Kubernetes manifests of the project give this script, where every launch
        of it is one: the shortest grace period of their pods, which is the platform's own."""
        local = self.script_launches[1]
        if not local or any(launch.grace is None for launch in local):
            return None
        launch = min(local, key=lambda launch: launch.grace)
        label = self.analysis.knowledge.platforms["kubernetes"].label
        return Deadline(launch.grace, f"on {label} ({launch.display}:{launch.line})")

    @cached_property
    def kept_by(self) -> KeptSignal | None:
        """The launch in a shell script of the project whose launcher starts this script and keeps
        SIGTERM from it (deepspeed on one node), where every launch of it does: a handler here
        never runs. Not on a platform that signals every process of the job (Slurm): the workers
        hear the stop themselves."""
        if self.analysis.signals_every_process:
            return None
        local = self.script_launches[1] or ([] if self.script_launches[0] else self._shown_launches)  # else its README's
        keep = local and all(launch.keeps for launch in local)
        return KeptSignal.of(local[0], self.analysis.knowledge) if keep else None

    @cached_property
    def submitted_jobs(self) -> list:
        """The jobs this run submits to a library that ignores SIGTERM in them (submitit): of a
        shared helper's submission (`submit_jobs(task_class)`), the one whose callable this run passed."""
        return [job for job in self.analysis.submitted_jobs if self.runs(job.func_id, job.site)
                and self._passes(self.analysis.graph.condition(Step(job.func_id, job.site.index, job.target, "remote")))]

    def _passes(self, passers: frozenset[str] | None) -> bool:
        return passers is None or any(passer in self.main for passer in passers)

    @cached_property
    def script_launches(self) -> tuple[list[ScriptLaunch], list[ScriptLaunch]]:
        """The launches of this script in shell scripts of the project, and those of them that run
        it here: not accelerate's SageMaker launcher, nor a script a ModelTrainer's SourceCode runs."""
        path = self.analysis.project.sources[self.entry.module].path
        launched = [launch for launch in self.analysis.launches if launch.target == path]
        return launched, [launch for launch in launched if launch.local and launch.display not in self.analysis.shells_on_sagemaker]

    @property
    def deadline(self) -> Deadline:
        return self.analysis.deadline_for([self])

    def path_to(self, func_id: str) -> list[Step]:
        return self.main.path_to(func_id)

    def position(self, func_id: str, event: ir.Event) -> int | None:
        """Where an event comes in this entry point's run; None if the run never meets it."""
        return self.analysis.work.order(self.body_id, self.analysis.ordered, self.main.runs_a_passer).get((func_id, event.index))

    def first_work_position(self) -> int | None:
        return self.position(self.first_work.func_id, self.first_work.event) if self.first_work else None


def strictest(launches: list[ScriptLaunch]) -> Deadline | None:
    """The shortest deadline of these launches, where it is theirs; None where every launcher keeps
    SIGTERM from the script (deepspeed on one node): the platform's deadline holds."""
    timed = [launch for launch in launches if launch.deadline is not None]
    if not timed:
        return None
    launch = min(timed, key=lambda launch: launch.deadline)
    return Deadline(launch.deadline, f"under {launch.launcher} ({launch.display}:{launch.line})")


def signalled_by_platform(start: ChildStart) -> bool:
    """A process the script starts itself, which a platform that signals every process of the
    job reaches: not a Ray worker, which the Ray node starts."""
    return start.api != "ray" and not start.api.startswith("ray.")
