"""What rules query: the project model with its call graph and facts, built lazily, once."""

from __future__ import annotations

from functools import cached_property
from typing import Callable

from sigcheck.knowledge import Knowledge
from sigcheck.loading.discovery import Discovery
from sigcheck.loading.hydra_configs import HydraConfigs
from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD, CallGraph, Step
from sigcheck.model.argflow import flowing_resolver, reachable_flow
from sigcheck.model.children import ChildStart, events_set, find_child_starts, forwarding_call, handing_steps
from sigcheck.model.environment import toolkit_sign_wording, toolkit_signs
from sigcheck.model.flags import Flags
from sigcheck.model.jobs import HANDLERS, TRAINING, JobKinds
from sigcheck.model.project import ProjectModel
from sigcheck.model.reached import run_roots
from sigcheck.model.resolve import Resolver
from sigcheck.model.runs import Reachability, RunView
from sigcheck.model.saving import SaveAnalysis
from sigcheck.model.pathvalues import PathTracker
from sigcheck.model.positions import Positions
from sigcheck.model.stopping import StopAnalysis
from sigcheck.model.signals import HandlerRegistration, find_registrations
from sigcheck.model.trace import Point
from sigcheck.checking.entries import ELSEWHERE, Deadline, EntryFacts
from sigcheck.checking.launcher_hints import launcher_hints
from sigcheck.checking.frameworks import FrameworkHandling
from sigcheck.checking.script_mode import FRAMEWORK, SOURCE_CODE, TOOLKIT_IMAGE, ScriptModeRun, nearest_image, nearness
from sigcheck.checking.submitted_jobs import SubmittedJob, submitted_jobs
from sigcheck.model.waits import WaitBound
from sigcheck.model.work import Work, WorkFinder


_MAX_SETTLINGS = 4  # past this, the flow over every call site: a graph that keeps finding more


class Analysis:
    def __init__(self, project: ProjectModel, knowledge: Knowledge, deadline: int, platform: str,
                 containers: list = (), every_function: bool = False, found: "Discovery | None" = None) -> None:
        """`every_function`: the flow and the call graph over every function, run or not (a
        call graph to read whole: `sigcheck graph`); else over what a run can reach.
        `found`: what discovery read besides entry points and containers: SageMaker estimator
        calls and the files they are in, the project's shell scripts' launches (torchrun in run.sh)."""
        self.project = project
        self.every_function = every_function
        self.knowledge = knowledge
        self.deadline = deadline
        self.platform = platform
        self.functions = project.functions
        self._containers = list(containers)  # sigcheck.container.model.Container, parsed at discovery
        self._context_containers = found.context_containers if found is not None else []  # see Discovery
        self.estimators = found.estimators if found is not None else []  # SDK calls that start a script
        self.launchers = found.launchers if found is not None else {}  # the files estimators are written in
        self.launches = found.launches if found is not None else []  # what the project's shell scripts start
        self.documented = found.documented if found is not None else []  # and what its READMEs show starting
        self.written_pins = found.written_pins if found is not None else {}  # requirements files notebooks write
        self.suppression_usage = None  # set by the engine before rules that judge suppressions run
        self._entry_facts: dict[str, EntryFacts | None] = {}  # by module, built when first asked
        self._forwarding: dict[int, tuple] = {}  # by registration: see forwarding

    @property
    def platform_label(self) -> str:
        """The platform as messages name it ("SageMaker"), not as the configuration does ("sagemaker")."""
        return self.knowledge.platforms[self.platform].label

    @property
    def signals_every_process(self) -> bool:
        """Whether the platform's stop signal reaches every process of the job (Slurm), not only
        the container's PID 1: a child the script starts hears it whether or not it is passed on."""
        return self.knowledge.platforms[self.platform].every_process

    @cached_property
    def resolver(self) -> Resolver:
        return self._settled[0]

    @cached_property
    def graph(self) -> CallGraph:
        return self._settled[1]

    @cached_property
    def _settled(self) -> tuple[Resolver, CallGraph]:
        """The argument flow over the functions a run can reach, and the call graph over those
        the graph reaches with it. The flow's walk (reached.py) finds more than the graph but
        not all it follows: what the graph reaches besides is taken in and the flow settled
        again, so that every function the graph holds had its calls pass their arguments."""
        if not self.every_function:
            roots = run_roots(self.project)
            taken: list[str] = []
            for _ in range(_MAX_SETTLINGS):
                resolver, reached = reachable_flow(self.project, self.knowledge, roots + taken)
                graph = CallGraph(self.project, resolver, self.knowledge, roots)
                missing = graph.built - reached
                if not missing:
                    return resolver, graph
                taken += sorted(missing)
        resolver = flowing_resolver(self.project, self.knowledge)  # every call site and every function
        return resolver, CallGraph(self.project, resolver, self.knowledge)

    @property
    def hydra_configs(self) -> HydraConfigs:
        """Hydra's configuration folders, the loader's (see hydra_apps.py and ProjectModel.configured_classes)."""
        return self.project.hydra_configs

    def configuration_files(self) -> list:
        """The pins and configuration files this run read or looked for: a cached report depends on them."""
        return self.frameworks.pin_files() + self.hydra_configs.inputs() + self.project.configured_types.inputs()

    @cached_property
    def registrations(self) -> list[HandlerRegistration]:
        return find_registrations(self.graph, self.knowledge)

    @cached_property
    def work(self) -> WorkFinder:
        return WorkFinder(self.graph, self.knowledge)

    @cached_property
    def flags(self) -> Flags:
        return Flags(self.graph)

    @cached_property
    def saves(self) -> SaveAnalysis:
        return SaveAnalysis(self.graph, self.knowledge, self.work, self.flags)

    @cached_property
    def stopping(self) -> StopAnalysis:
        return StopAnalysis(self.graph, self.knowledge, self.saves)

    @cached_property
    def paths(self) -> PathTracker:
        return PathTracker(self.graph)

    @cached_property
    def without_toolkit(self) -> frozenset[str]:
        """The modules an analysed image with no SageMaker training toolkit runs as its trainer (or
        starts from it), and those its ENTRYPOINT runs before any toolkit: no SM_* variable is set
        for them, the /opt/ml layout is all they have."""
        images = [*self._containers, *self._context_containers]
        paths = {t.path.resolve() for c in images if c.without_toolkit for t in (c.chain.python, c.own_trainer) if t}
        paths |= {path.resolve() for c in images if c.without_toolkit for path in c.launched}
        paths |= {c.chain.python.path.resolve() for c in images if c.python_before_toolkit}
        trainers = {self.project.by_path[p] for p in paths if self.project.by_path.get(p) is not None}
        # and the modules their runs reach: a trainer's paths often live in a module it imports
        reached = {self.functions[f].module for module in trainers if (facts := self.entry_for(module)) is not None
                   for f in facts.main.listed}
        return frozenset(trainers | reached)

    @cached_property
    def script_mode_trainers(self) -> list[ScriptModeRun]:
        """Each framework estimator (PyTorch, HuggingFace...) and ModelTrainer SourceCode whose
        script this run loaded, with the facts of that script: the training toolkit, or the
        ModelTrainer's sm_train.sh, runs it on SageMaker."""
        found = []
        images = [c.display for c in self._containers]
        awaiting = [c.display for c in self._containers if c.chain.awaits_program]
        for call in self.estimators if self.platform == "sagemaker" else ():
            module = self.project.by_path.get(call.script.resolve())
            kind = next((kind for kind in (FRAMEWORK, SOURCE_CODE, TOOLKIT_IMAGE)
                         if self.knowledge.containers[kind].find(call.name)), None)
            kind = FRAMEWORK if kind == TOOLKIT_IMAGE and call.aws_image else kind  # `image_uris.retrieve(...)`
            image = nearest_image(awaiting, call.display) if kind == TOOLKIT_IMAGE else None
            if kind == TOOLKIT_IMAGE and (image is None or nearness(image, call.display) < nearness(
                    nearest_image(images, call.display), call.display)):
                continue  # an image sigcheck does not see, or one nearer the launcher that runs a program of its own
            facts = self.entry_for(module) if module and kind else None
            if facts is not None:
                found.append(ScriptModeRun(call, facts, kind, image))
        return found

    @cached_property
    def shells_on_sagemaker(self) -> frozenset[str]:
        """The project's shell scripts a ModelTrainer's SourceCode runs (`command="bash run.sh"`): a
        launcher in them never receives SIGTERM (see DKR007), its deadline is not the job's."""
        return frozenset(run.call.via.display for run in self.script_mode_trainers
                         if run.call.via is not None and run.kind == SOURCE_CODE)

    @cached_property
    def waits(self) -> WaitBound:
        return WaitBound(self.resolver)

    @cached_property
    def job_kinds(self) -> JobKinds:
        return JobKinds(self.project)

    def training_code(self, func_id: str) -> bool:
        """Whether a function is a training job's code: its module is a trainer's, or an endpoint's
        by its handlers alone and the run of an entry point that trains reaches the function
        (SageMaker's single-file examples: `model_fn` for the endpoint, training under `__main__`)."""
        module = self.functions[func_id].module
        if module in self._endpoint_scripts:
            return False
        return self.job_kinds.of(module) == TRAINING or func_id in self._trained_beside_handlers

    @cached_property
    def _endpoint_scripts(self) -> frozenset[str]:
        """The modules an endpoint image runs: its program, and the scripts its entry script runs
        before it (deep-learning-containers' vllm `sagemaker_args.py`): an endpoint's code."""
        paths = {path.resolve() for c in self.containers if c.serving is not None
                 for path in (*c.chain.helpers, *((c.chain.python.path,) if c.chain.python else ()))}
        return frozenset(module for path in paths if (module := self.project.by_path.get(path)) is not None)

    @cached_property
    def _trained_beside_handlers(self) -> frozenset[str]:
        modules = {m for m in self.project.modules if self.job_kinds.serves_by_handlers(m)}
        # a module body only as its own script's: imported, its constants may be the handlers'
        return frozenset(f for entry in self.entries if modules and entry.first_work is not None for f in entry.main
                         if self.functions[f].module in modules and self.functions[f].qualname not in HANDLERS
                         and (self.functions[f].kind != "module" or f == entry.body_id))

    @cached_property
    def positions(self) -> Positions:
        return Positions(self.project)

    @cached_property
    def containers(self) -> list:
        """Each Dockerfile's image and launch chain, joined to the facts of the Python trainer."""
        from sigcheck.container.facts import ContainerFacts
        return [ContainerFacts(self, container) for container in self._containers]

    @cached_property
    def entries(self) -> list["EntryFacts"]:
        """The entry points whose run can meet something the rules ask about (training work, a
        signal registration, a child process). In a package where every module is an entry
        point, most reach none of these, and facts per entry would cost entries × functions."""
        relevant = self._relevant
        return [self.entry_for(e.module) for e in self.project.entry_points
                if self.project.modules[e.module].body_id in relevant]

    def entry_for(self, module: str) -> "EntryFacts | None":
        """The facts of the entry point `module`, relevant or not (a container's trainer)."""
        if module not in self._entry_facts:
            found = next((e for e in self.project.entry_points if e.module == module), None)
            self._entry_facts[module] = EntryFacts(self, found) if found else None
        return self._entry_facts[module]

    @cached_property
    def submitted_jobs(self) -> list[SubmittedJob]:
        """See submitted_jobs.py."""
        return submitted_jobs(self)

    @cached_property
    def _relevant(self) -> set[str]:
        registered = {r.func_id for r in self.registrations}
        spawning = {c.func_id for c in self.child_starts} | {job.func_id for job in self.submitted_jobs}
        return (self.graph.reaching(self.work.stepping | registered | spawning, MAIN_THREAD)
                | self.graph.reaching(registered, MAIN_THREAD | ELSEWHERE))

    @cached_property
    def child_starts(self) -> list[ChildStart]:
        return find_child_starts(self.paths, self.knowledge, self.work, self._run_of)

    def _run_of(self, body: str) -> RunView:
        """What a program whose module body that is runs (a script a command starts)."""
        return RunView(self.reachability, frozenset({body}))

    def handing_steps(self, child: ChildStart, runs: Callable[[str, ir.Event], bool]) -> list[Step]:
        """See children.handing_steps."""
        return handing_steps(self.paths, self.knowledge, self.work, child, runs, self._run_of)

    @cached_property
    def ordered(self) -> frozenset[str]:
        """Functions that lead to an event whose place in a run is compared (registrations,
        training and data loops, fit calls, tests of a flag a handler sets: where a run that
        trains nothing starts polling it, lerobot's rollout): the run order walks only these."""
        registered = {r.func_id for r in self.registrations}
        handlers = [t.func_id for r in self.registrations for t in r.handlers]
        flags = {key for key, _ in self.saves.flags_set(handlers)} if handlers else set()
        testing = {func_id for flag in flags for func_id, _ in self.flags.tests_by_flag().get(flag, ())}
        return frozenset(self.graph.reaching(self.work.stepping | registered | set(self.looping) | testing, MAIN_THREAD))

    def deadline_for(self, entries: list["EntryFacts"]) -> "Deadline":
        """The smallest deadline along the launch chains of these entry points."""
        return min([self.platform_deadline_for(entries), *(e.launcher_deadline for e in entries if e.launcher_deadline)],
                   key=lambda d: (d.seconds, d.conditional))

    def platform_deadline_for(self, entries: list["EntryFacts"]) -> "Deadline":
        """The platform's deadline, which is these entry points' pods' grace period where Kubernetes
        manifests launch each of them: no launcher's."""
        pods = [e.platform_deadline for e in entries]
        if pods and all(pods):
            return min(pods, key=lambda d: d.seconds)
        return Deadline(self.deadline, f"on {self.platform_label}")

    def entries_reaching(self, func_id: str, event: ir.Event | None = None) -> list["EntryFacts"]:
        return [e for e in self.entries if (func_id in e.main if event is None else e.runs(func_id, event))]

    def entries_registering(self, registration: HandlerRegistration) -> list["EntryFacts"]:
        """The entry points whose runs make this registration, where they also train after it could:
        not those that make it only on the side of an `if` that trains nothing (entries.py)."""
        return [e for e in self.entries_reaching(registration.func_id, registration.site) if not e.made_apart(registration)]

    def main_of(self, entries: list["EntryFacts"]) -> RunView:
        """What the main threads of these entry points run, together."""
        return RunView(self.reachability, frozenset(e.body_id for e in entries))

    @cached_property
    def reachability(self) -> Reachability:
        return Reachability(self.graph)

    @cached_property
    def frameworks(self) -> FrameworkHandling:
        return FrameworkHandling(self)

    def toolkit_read(self, entry: EntryFacts) -> tuple[Point, str] | None:
        """Where the entry point's run shows the SageMaker training toolkit runs it, and how: it
        reads, as needed, a variable only the toolkit sets (`os.environ["SM_MODEL_DIR"]`), or imports
        SageMaker's distributed libraries: its own module's top level or a function it runs, or such
        an import in a module it imports. An image of the project that runs it says how it runs instead."""
        if self.platform != "sagemaker" or any(entry in (c.entry, c.trainer) for c in self.containers):
            return None
        for func_id, (event, name) in self._toolkit_reads.items():
            if (func_id == entry.body_id or self.functions[func_id].kind != "module" or isinstance(event, ir.Import)) \
                    and entry.runs(func_id, event):
                how = toolkit_sign_wording(event, name)
                return self.point(func_id, event, how), f"it {how}"
        return None

    @cached_property
    def _toolkit_reads(self) -> dict[str, tuple[ir.Event, str]]:
        return toolkit_signs(self.project, self.knowledge.toolkit_variables, self.knowledge.toolkit_packages)

    @cached_property
    def launcher_hints(self) -> list[tuple["Deadline", frozenset[str], tuple[list[str], list[str]]]]:
        """See entries.launcher_hints."""
        return launcher_hints(self)

    @cached_property
    def looping(self) -> list[str]:
        """Functions with a training or data loop, sorted."""
        return sorted(f.id for f in self.functions.values()
                      if any(isinstance(e, ir.Loop) and self.work.loop_kind(f.id, e) for e in f.events))

    def forwarding(self, registration: HandlerRegistration) -> tuple[str | None, set[tuple[str, str]]]:
        """What a handler does for child processes: the call that passes the signal on to them
        (`terminate()`, `os.kill`), by its library name, if any; and the events it sets
        (`stop.set()`), each as (the scope that binds it, its name)."""
        if id(registration) not in self._forwarding:
            run = self.graph.reach([t.func_id for t in registration.handlers], frozenset({"call"}))
            self._forwarding[id(registration)] = (forwarding_call(self.graph, self.knowledge, run),
                                                  events_set(self.graph, run))
        return self._forwarding[id(registration)]

    def sigterm_registrations(self) -> list[HandlerRegistration]:
        return [r for r in self.registrations if r.covers_sigterm]

    # -- presentation helpers shared by rules ----------------------------------------------

    def describe(self, func_id: str) -> str:
        fn = self.functions[func_id]
        if fn.kind == "lambda":
            return "a lambda"
        if fn.kind == "module":
            return f"module {fn.module}"
        return fn.qualname.replace(".<locals>", "")

    def point(self, func_id: str, event: ir.Event | None, note: str) -> Point:
        return Point(func_id, event.node if event is not None else self.functions[func_id].node, note)

    def path_points(self, steps: tuple[Step, ...] | list[Step]) -> list[Point]:
        return [Point(s.caller, self.functions[s.caller].events[s.site].node, f"{_verb(s.kind)} {self.describe(s.callee)}")
                for s in steps]

    def work_points(self, work: Work, runs: Callable[[str], bool] | None = None) -> list[Point]:
        """Where the work starts, and for a training loop, its step: the way to it when the loop
        trains through calls (in the run `runs` tells, when given: see WorkFinder.first_work), so
        that the trace says what made the loop one of training."""
        anchor = self.point(work.func_id, work.event, f"{work.what} starts here")
        found = self.work.step_in(work.func_id, work.event, runs) if isinstance(work.event, ir.Loop) else None
        if found is None:
            return [anchor]
        steps, func_id, site = found
        names = self.work.call_names(func_id, site)
        call = f" {_spelled(names[0], site)}()" if names else ""
        return [anchor, *self.path_points(steps), self.point(func_id, site, f"training step{call}")]

    def registration_point(self, registration: HandlerRegistration) -> Point:
        what = "SIGTERM handler" if registration.signals is not None else "handler (for a signal sigcheck cannot tell)"
        return Point(registration.func_id, registration.site.node, f"{what} registered here")

    def handler_point(self, func_id: str) -> Point:
        return Point(func_id, self.functions[func_id].node, f"handler {self.describe(func_id)}")


def _spelled(name: str, site: ir.CallSite) -> str:
    """The called name as the code writes it: `loss_scaler` for an object called, whose knowledge
    name is its class's `__call__`."""
    method = name.rsplit(".", 1)[-1]
    if method == "__call__" and isinstance(site.func, ir.Name):
        return site.func.name
    if method == "__call__" and isinstance(site.func, ir.Attr):
        return site.func.attr
    return method


def _verb(kind: str) -> str:
    return {"call": "calls", "import": "imports", "reference": "passes", "callback": "hands over",
            "thread": "starts a thread running", "executor": "submits", "process": "starts a process running",
            "atexit": "registers at exit", "handler": "registers", "remote": "sends to another machine"}.get(kind, "calls")
