"""One run: discover entry points, build the project model once, run the rules, apply policy."""

from __future__ import annotations

import gc
import os
import shlex
from functools import cached_property
from dataclasses import replace
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Mapping

from sigcheck.checking.apart import findings_by_rule
from sigcheck.checking.policy import ignored_for_file, selected_rules, severity_of
from sigcheck.checking.results import Diagnostic, FileError, Note, Report, TraceStep
from sigcheck.checking.rule import Finding, Rule
from sigcheck.checking.runcache import RunOptions, run_key, store_report, stored_report
from sigcheck.checking.suppressions import SuppressionUsage, Suppressions, parse_suppressions
from sigcheck.config.settings import ConfigError, Settings
from sigcheck.knowledge import Knowledge, builtin_knowledge
from sigcheck.loading.cache import Cache
from sigcheck.loading.discovery import RUNS_NOTHING, Discovery, discover
from sigcheck.loading.loader import load_project
from sigcheck.loading.sources import SourceFile, resolve, source_lines
from sigcheck.loading.summaries import Summariser
from sigcheck.model.positions import Span
from sigcheck.model.trace import Point

if TYPE_CHECKING:  # imported when a run needs it: a run answered from the cache never does
    from sigcheck.checking.analysis import Analysis


def analyse(paths: list[Path], settings: Settings, rules: list[type[Rule]] | None = None,
            overlays: Mapping[Path, str] | None = None, options: RunOptions | None = None) -> Report:
    """`overlays` (resolved absolute path -> text) are read instead of those files: an editor's unsaved documents."""
    if rules is None:
        from sigcheck.rules import ALL_RULES
        rules = ALL_RULES
    options = options or RunOptions()
    active = selected_rules(rules, settings)
    found = _discover(paths, settings, overlays)
    key = None
    if isinstance(options.cache, Cache) and not overlays:  # a whole run from disk, not for an editor's text
        key = run_key(paths, settings, [r.code for r in active], found)
        report = stored_report(options.cache, key)
        if report is not None:  # its settings were checked by the run that stored it
            report.parsed = 0
            return report
    knowledge = _knowledge(settings)  # a third of a warm run: its patterns compiled, its tables read
    with _collector_paused():
        return _checked(found, settings, knowledge, active, overlays, options, key)


def _checked(found: Discovery, settings: Settings, knowledge: Knowledge, active: list[Rule],
             overlays: Mapping[Path, str] | None, options: RunOptions, key: str | None) -> Report:
    summariser = Summariser(options.jobs, options.cache, options.progress, options.spans, options.parser,
                            options.isolated, frozenset(overlays or ()), options.start_method)
    try:
        analysis = _analysis(found, settings, knowledge, None, overlays, summariser)
    finally:
        summariser.close()
    project = analysis.project

    report = Report()
    # A file discovery read and the loader read again (a trainer a Dockerfile names) fails once.
    report.errors = list(dict.fromkeys(FileError(e.display, e.message, e.line, e.column)
                                       for e in [*found.errors, *project.errors]))
    report.errors += _defining_only(analysis)
    # a console script's program and a notebook cell's script are written by sigcheck: their
    # declaring file (pyproject.toml, the notebook) is read, not parsed as a module of its own
    written = {*found.programs.values(), *found.embedded}
    modules = {s.display for s in project.sources.values() if s.path not in written}
    report.files = sorted({*(s.display for s in project.sources.values()), *project.documents})
    report.parsed = len({path for path in summariser.parsed_paths if path not in written})
    report.documents = len(report.files) - len(modules)
    report.skipped = _skipped(project, found.searched)
    report.platform = (settings.platform, analysis.deadline, settings.platform_named)
    locator = _Locator(analysis, settings, report)
    locator.add(active, options.jobs)
    if any(rule.code.startswith("DKR") for rule in active):  # the launch-chain rules: they follow chains
        report.notes = _notes(locator, analysis.containers, settings.target)
    if key is not None:
        store_report(options.cache, key, _inputs(found, project, settings) + analysis.configuration_files(), project.root,
                     project.listed, report)
    return report


def _defining_only(analysis: "Analysis") -> list[FileError]:
    """The files named on the command line that only define functions: running one runs none of
    them, so a clean report would vouch for code nothing checked (see EntryFacts.defines_only).
    Each is placed on its first function's def."""
    found = []
    for entry in analysis.project.entry_points:
        facts = analysis.entry_for(entry.module) if entry.reason == "named on the command line" else None
        if facts is not None and facts.defines_only:
            first = next(fn for fn in analysis.project.modules[entry.module].functions.values() if fn.kind == "function")
            span = analysis.positions.span(entry.module, first.node)
            found.append(FileError(analysis.project.sources[entry.module].display, RUNS_NOTHING, span.line, span.column))
    return found


def _notes(locator: "_Locator", containers, target: str | None = None) -> list[Note]:
    """One note a place, naming the Dockerfiles whose chains stop there: the images of several
    versions or devices often share the script the chain stops in."""
    grouped: dict[Note, list[str]] = {}
    for container in containers:
        if container.unchecked is not None:
            grouped.setdefault(locator.note(container.unchecked), []).append(container.display)
    return [replace(note, message=f"{note.message} ({_chain_hint(displays, target)})") for note, displays in grouped.items()]


def _chain_hint(displays: list[str], target: str | None = None) -> str:
    """The command that shows the chain, with the stage the run was told to judge."""
    stage = f" --target {shlex.quote(target)}" if target else ""
    shown = " and ".join(f"`sigcheck chain{stage} {shlex.quote(display)}`" for display in displays[:2])  # pasted into a shell
    more = f" (and {len(displays) - 2} more)" if len(displays) > 2 else ""
    return f"{shown}{more} show{'s' if len(displays) == 1 else ''} the chain"


def prepare(paths: list[Path], settings: Settings, root: Path | None = None,
            overlays: Mapping[Path, str] | None = None, every_function: bool = False) -> tuple[Discovery, "Analysis"]:
    """Discover the entry points (following Dockerfiles' launch chains), load the project once.
    `root`, when given, is the folder module names are relative to, instead of the one found.
    `every_function`: see Analysis."""
    knowledge = _knowledge(settings)
    found = _discover(paths, settings, overlays)
    return found, _analysis(found, settings, knowledge, root, overlays, Summariser(), every_function)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The model is millions of small objects that all live until the report is out. The cyclic
    collector's passes over them took ~40% of a run on a large package (transformers: 101 s with
    it, 60 s without) and freed little: the peak memory is ~15% higher without it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _knowledge(settings: Settings) -> Knowledge:
    knowledge = builtin_knowledge().extended(settings.save_functions, settings.blocking_functions)
    if settings.platform not in knowledge.platforms:
        raise ConfigError(f"unknown platform {settings.platform!r} (one of: {', '.join(knowledge.platforms)})")
    return knowledge


def _discover(paths: list[Path], settings: Settings, overlays: Mapping[Path, str] | None) -> Discovery:
    return discover(paths, settings.entry_points, settings.base_dir, settings.exclude, settings.platform,
                    settings.target, overlays)


def _analysis(found: Discovery, settings: Settings, knowledge: Knowledge, root: Path | None,
              overlays: Mapping[Path, str] | None, summariser: Summariser, every_function: bool = False) -> "Analysis":
    from sigcheck.checking.analysis import Analysis

    deadline = settings.deadline or knowledge.platforms[settings.platform].deadline
    read = [*found.entries, *((path, display, None) for path, display in found.loaded)]
    search = [folder for launch in found.launches for folder in launch.paths]  # a launch's PYTHONPATH
    project = load_project(root or found.root, read, {**found.texts, **(overlays or {})}, summariser, search)
    for container in found.containers:  # Dockerfiles and scripts: container findings point into them
        project.documents.update(container.documents)
    # a command that runs a console script (`subprocess.run(["axolotl", "train", ...])`) runs its program
    project.programs = {name: module for name, path in found.programs.items() if (module := project.by_path.get(path))}
    project.embedded = frozenset(found.embedded)
    for launch in found.launches:  # and one that runs a shell script of the project runs what it launches
        if launch.shell is not None:
            project.shell_starts.setdefault(launch.shell, []).append(launch.target)
    for launch in [*found.launches, *found.documented]:  # a script's own arguments (sys.argv), as a line gives them
        project.launch_arguments.setdefault(str(launch.target), []).append(launch.arguments)
    return Analysis(project, knowledge, deadline, settings.platform, found.containers, every_function, found)


def _inputs(found: Discovery, project, settings: Settings) -> list[Path]:
    """Every file whose content the report depends on."""
    files = [*project.by_path, *found.texts, *(s.path for s in project.documents.values())]
    files += [launcher.path for launcher in found.launchers.values()]  # estimator calls, their suppressions
    # the notebooks and modules scripts and requirements files are written from
    files += [Path(display) for display in (*found.embedded.values(), *(d for _, d in found.written_pins.values()))]
    files += [Path(e.display) for e in [*found.errors, *project.errors]]
    files += [document.path for c in found.context_containers for document in c.documents.values()]
    if settings.config_path is not None:
        files.append(settings.config_path)
    return files


def _skipped(project, searched: list[Path]) -> int:
    """Python files of the folders searched that were neither an entry point nor imported by one
    (not the rest of the project above or beside them, nor any for a run on files alone)."""
    listing = project.python_files()
    if not isinstance(listing, set) or not searched:
        return 0
    folders = tuple(f"{resolve(folder)}{os.sep}" for folder in searched)
    return len({path for path in listing if path.startswith(folders)} - {str(path) for path in project.by_path})


class _Locator:
    """Turns findings into located diagnostics, applying suppressions and per-file policy."""

    def __init__(self, analysis: Analysis, settings: Settings, report: Report) -> None:
        self.analysis = analysis
        self.settings = settings
        self.report = report
        self.positions = analysis.positions
        self._suppressions: dict[str, Suppressions] = {}

    def add(self, rules: list[Rule], jobs: int = 1) -> None:
        seen: set = set()
        for judging in (False, True):
            batch = [r for r in rules if r.after_suppressions == judging]
            if judging and batch:  # they judge the comments the other rules' findings met
                self.analysis.suppression_usage = self.usage(rules)
            found = [(rule, finding) for rule, findings in zip(batch, findings_by_rule(batch, self.analysis, jobs > 1))
                     for finding in self._new(findings, seen)]
            found = self._uncovered(self._clearest(found))
            self.positions.prepare(self._modules_of(finding for _, finding in found), jobs)
            for rule, finding in found:
                seen.add(self._place(finding))
                self._report(rule, finding, seen)
        self.report.diagnostics.sort(key=lambda d: d.sort_key)

    @classmethod
    def _new(cls, findings, seen: set):
        """Findings at places no earlier rule batch reported: the same place reached from two
        entry points is located once."""
        for finding in findings:
            if cls._place(finding) not in seen:
                yield finding

    def _clearest(self, found: list) -> list:
        """One finding per place (see _new), with the strictest deadline its wordings state (the
        deepspeed launch of a wrapper before the plain run of the script it imports), then the
        trace that is easiest to follow: the shortest, then the one from the entry point nearest
        the project root (`train.py` before `examples/x/train.py`). Findings stay in the order
        their places were first met."""
        best: dict = {}
        starts: dict = {}  # place -> the entry points whose runs meet it, in the order met
        for rule, finding in found:
            same = self._place(finding)
            starts.setdefault(same, {}).setdefault(self._entry_of(finding), None)
            if same not in best or self._clarity(finding) < self._clarity(best[same][1]):
                best[same] = (rule, finding)
        return [(rule, self._also_from(finding, starts[same])) for same, (rule, finding) in best.items()]

    def _uncovered(self, found: list) -> list:
        """Without the findings another rule covers: OPT002's write of '/opt/ml/output/stats.json'
        starts from the literal OPT001 would report too, and says what happens to the file."""
        covered = {(code, self._origin(finding.trace[0])) for _, finding in found if finding.trace
                   for code in finding.covers}
        if not covered:
            return found
        return [(rule, finding) for rule, finding in found if (finding.code, self._origin(finding.anchor)) not in covered]

    def _origin(self, point: Point) -> tuple:
        """Where a point is, whichever function's view it is taken from: a module's node numbers are its own."""
        module = self.analysis.functions[point.func_id].module if point.func_id in self.analysis.functions else None
        return module, point.node, point.document, point.span

    def _entry_of(self, finding: Finding) -> str | None:
        """The entry point a finding's trace starts from (its module body), if it does."""
        start = finding.trace[0] if finding.trace else None
        fn = self.analysis.functions.get(start.func_id) if start is not None and start.func_id else None
        return fn.module if fn is not None and fn.kind == "module" and fn.module in self._entry_modules else None

    def _also_from(self, finding: Finding, entries: dict) -> Finding:
        """A place several entry points reach (a training loop in a shared module) is reported once,
        with the others named: fixing the one its trace starts from must not hide the rest."""
        start = finding.trace[0] if finding.trace else finding.anchor
        own = {self._entry_of(finding), self.analysis.functions[start.func_id].module if start.func_id in self.analysis.functions else None}
        anchored = self.analysis.functions[finding.anchor.func_id].module if finding.anchor.func_id in self.analysis.functions else None
        # the file the finding is in, run itself: named so, or it reads as the file naming itself
        others = [m for m in entries if m is not None and m not in own]
        if not others:
            return finding
        worded = [self._shown(m) + (" itself" if m == anchored else "") for m in others]
        named = ", ".join(worded[:3]) + (f" and {len(worded) - 3} more" if len(worded) > 3 else "")
        # JSON and SARIF readers get the files, as every other path field holds them
        files = tuple(self.analysis.project.sources[m].display for m in others)
        return replace(finding, message=f"{finding.message} (also run from {named})", also_run_from=files)

    def _shown(self, module: str) -> str:
        """An entry point as a message names it: its file, or a console script's name and the file declaring it."""
        display = self.analysis.project.sources[module].display
        name = next((name for name, program in self.analysis.project.programs.items() if program == module), None)
        return display if name is None else f"the console script `{name}` ({display})"

    @cached_property
    def _entry_modules(self) -> frozenset[str]:
        return frozenset(e.module for e in self.analysis.project.entry_points)

    def _clarity(self, finding: Finding) -> tuple[float, int, int]:
        start = finding.trace[0] if finding.trace else finding.anchor
        module = self.analysis.functions[start.func_id].module if start.func_id in self.analysis.functions else ""
        return finding.deadline or float("inf"), len(finding.trace), module.count(".")

    @staticmethod
    def _place(finding: Finding) -> tuple:
        """A rule reports a place once, as ruff does, even where entry points reaching it word the
        finding apart (its deadline under torchrun in one, on the platform in another)."""
        anchor = finding.anchor
        return finding.code, anchor.func_id, anchor.node, anchor.document, anchor.span

    def _modules_of(self, findings) -> set[str]:
        """The modules whose spans the findings' places and traces need."""
        return {self.analysis.functions[point.func_id].module for finding in findings
                for point in (finding.anchor, *finding.trace) if point.document is None and point.span is None}

    def _report(self, rule: Rule, finding: Finding, seen: set) -> None:
        diagnostic = self.locate(rule, finding)
        key = (diagnostic.code, diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.message)
        if key in seen:
            return
        seen.add(key)
        source = self.source_of(finding.anchor)
        if self.suppressions(source).suppresses(diagnostic.line, diagnostic.code, bare=not rule.after_suppressions):
            self.report.suppressed += 1
        elif not ignored_for_file(diagnostic.code, source.path.as_posix(), self.settings):
            self.report.diagnostics.append(diagnostic)

    def usage(self, rules: list[Rule]) -> SuppressionUsage:
        sources = [*self.analysis.project.sources.values(), *self.analysis.project.documents.values()]
        return SuppressionUsage({s.display: (s, self.suppressions(s)) for s in sources},
                                frozenset(r.code for r in rules if not r.after_suppressions))

    def source_of(self, point: Point) -> SourceFile:
        if point.document is not None:
            return (self.analysis.project.documents.get(point.document) or self.analysis.launchers.get(point.document)
                    or self._unread(point.document))
        return self.analysis.project.sources[self.analysis.functions[point.func_id].module]

    def _unread(self, display: str) -> SourceFile:
        """A file a launch chain names but the run could not load (a trainer with a syntax error,
        listed in `errors`): the point keeps its place, with no text to show."""
        loaded = next((s for s in self.analysis.project.sources.values() if s.display == display), None)
        return loaded or SourceFile(Path(display), display, "")

    def suppressions(self, source: SourceFile) -> Suppressions:
        if source.display not in self._suppressions:
            self._suppressions[source.display] = parse_suppressions(source.text)
        return self._suppressions[source.display]

    def span(self, point: Point) -> Span:
        if point.span is not None:
            return Span(*point.span)
        fn = self.analysis.functions[point.func_id]
        return self.positions.span(fn.module, point.node if point.node is not None else fn.node)

    def locate(self, rule: Rule, finding: Finding) -> Diagnostic:
        source = self.source_of(finding.anchor)
        span = self.span(finding.anchor)
        lines = source_lines(source.text)
        return Diagnostic(
            code=finding.code, name=rule.name, severity=severity_of(rule, self.settings),
            path=source.display, line=span.line, column=span.column,
            end_line=span.end_line, end_column=span.end_column, message=finding.message,
            trace=tuple(self.step(point) for point in finding.trace),
            fix=None if source.path in self.analysis.project.embedded else finding.fix,  # its edits are the script's, not the notebook's
            source_line=lines[span.line - 1] if 0 < span.line <= len(lines) else "", also_run_from=finding.also_run_from,
        )

    def note(self, point: Point) -> Note:
        span = self.span(point)
        return Note(self.source_of(point).display, span.line, span.column, point.note)

    def step(self, point: Point) -> TraceStep:
        span = self.span(point)
        return TraceStep(self.source_of(point).display, span.line, span.column, point.note)
