"""One run: discover entry points, build the project model once, run the rules, apply policy."""

from __future__ import annotations

from pathlib import Path

from sigcheck.checking.analysis import Analysis
from sigcheck.checking.policy import ignored_for_file, selected_rules, severity_of
from sigcheck.checking.results import Diagnostic, FileError, Report, TraceStep
from sigcheck.checking.rule import Finding, Rule
from sigcheck.checking.suppressions import Suppressions, parse_suppressions
from sigcheck.config.settings import ConfigError, Settings
from sigcheck.knowledge import builtin_knowledge
from sigcheck.loading.discovery import discover
from sigcheck.loading.loader import load_project
from sigcheck.model.positions import Positions
from sigcheck.model.trace import Point


def analyse(paths: list[Path], settings: Settings, rules: list[type[Rule]] | None = None) -> Report:
    if rules is None:
        from sigcheck.rules import ALL_RULES
        rules = ALL_RULES
    active = selected_rules(rules, settings)
    knowledge = builtin_knowledge().extended(settings.save_functions, settings.blocking_functions)
    if settings.platform not in knowledge.platforms:
        raise ConfigError(f"unknown platform {settings.platform!r} (one of: {', '.join(knowledge.platforms)})")
    deadline = settings.deadline or knowledge.platforms[settings.platform].deadline

    found = discover(paths, settings.entry_points, settings.base_dir, settings.exclude)
    project = load_project(found.root, found.entries)
    analysis = Analysis(project, knowledge, deadline, settings.platform)

    report = Report()
    report.errors = [FileError(e.display, e.message, e.line, e.column) for e in [*found.errors, *project.errors]]
    report.files = sorted(source.display for source in project.sources.values())
    _Locator(analysis, settings, report).add(active)
    return report


class _Locator:
    """Turns findings into located diagnostics, applying suppressions and per-file policy."""

    def __init__(self, analysis: Analysis, settings: Settings, report: Report) -> None:
        self.analysis = analysis
        self.settings = settings
        self.report = report
        self.positions = Positions(analysis.project)
        self._suppressions: dict[str, Suppressions] = {}

    def add(self, rules: list[Rule]) -> None:
        seen = set()
        for rule in rules:
            for finding in rule.check(self.analysis):
                diagnostic = self.locate(rule, finding)
                key = (diagnostic.code, diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.message)
                if key in seen:
                    continue  # the same place reached from two entry points
                seen.add(key)
                module = self.module_of(finding.anchor)
                if self.suppressions(module).suppresses(diagnostic.line, diagnostic.code):
                    self.report.suppressed += 1
                elif not ignored_for_file(diagnostic.code, self.analysis.project.sources[module].path.as_posix(), self.settings):
                    self.report.diagnostics.append(diagnostic)
        self.report.diagnostics.sort(key=lambda d: d.sort_key)

    def module_of(self, point: Point) -> str:
        return self.analysis.functions[point.func_id].module

    def suppressions(self, module: str) -> Suppressions:
        if module not in self._suppressions:
            self._suppressions[module] = parse_suppressions(self.analysis.project.sources[module].text)
        return self._suppressions[module]

    def locate(self, rule: Rule, finding: Finding) -> Diagnostic:
        module = self.module_of(finding.anchor)
        span = self.positions.span(module, self._node(finding.anchor))
        trace = tuple(self.step(point) for point in finding.trace)
        return Diagnostic(
            code=finding.code, name=rule.name, severity=severity_of(rule, self.settings),
            path=self.analysis.project.sources[module].display, line=span.line, column=span.column,
            end_line=span.end_line, end_column=span.end_column, message=finding.message, trace=trace,
            source_line=self.positions.line_text(module, span.line),
        )

    def step(self, point: Point) -> TraceStep:
        module = self.module_of(point)
        span = self.positions.span(module, self._node(point))
        return TraceStep(self.analysis.project.sources[module].display, span.line, span.column, point.note)

    def _node(self, point: Point):
        return point.node if point.node is not None else self.analysis.functions[point.func_id].node
