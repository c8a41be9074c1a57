"""`sigcheck verify -- COMMAND...`: the options turned into one run, its report and exit status."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from sigcheck.config.settings import ConfigError, Settings, find_config, load_settings
from sigcheck.knowledge import KnowledgeError, builtin_knowledge
from sigcheck.loading.sources import resolve
from sigcheck.verify.compare import Comparison, compare
from sigcheck.verify.layout import LayoutError, create_layout, parse_channel, parse_hyperparameter, remove_layout
from sigcheck.verify.namespace import Isolation, no_namespace, pid_namespace
from sigcheck.verify.report import EXIT_NOT_VERIFIED, Outcome, render_json, render_text
from sigcheck.verify.runner import RunPlan, run
from sigcheck.verify.status import progress_for

DEFAULT_AFTER = 10.0  # seconds of work before the stop signal when no --when line is given


@dataclass(frozen=True)
class VerifyOptions:
    command: tuple[str, ...]
    after: float | None = None
    when: str | None = None
    stop_signal: str = "SIGTERM"
    grace: float | None = None
    platform: str | None = None
    channels: tuple[str, ...] = ()
    hyperparameters: tuple[str, ...] = ()
    no_pid1: bool = False
    output_format: str = "text"
    quiet: bool = False
    compare: bool = False
    keep: bool = False


class UsageError(ValueError):
    pass


def run_verify(options: VerifyOptions) -> int:
    try:
        return _verify(options)
    except (UsageError, LayoutError, ConfigError, KnowledgeError) as exc:
        click.echo(f"sigcheck: error: {exc}", err=True)
        return EXIT_NOT_VERIFIED


def _verify(options: VerifyOptions) -> int:
    argv = options.command
    if not argv:
        raise UsageError("no command to run: `sigcheck verify [OPTIONS] -- python train.py [ARGS]`")
    if shutil.which(argv[0]) is None:
        raise UsageError(f"command not found: {argv[0]}")
    stop_signal = parse_signal(options.stop_signal)
    when = _compile(options.when)
    entry = entry_script(argv)
    settings = _settings(entry)
    platform = options.platform or settings.platform
    grace, grace_source = _grace(options.grace, settings, platform)
    channels = [parse_channel(c) for c in options.channels]
    hyperparameters = dict(parse_hyperparameter(h) for h in options.hyperparameters)
    isolation = no_namespace("--no-pid1 asks for it") if options.no_pid1 else pid_namespace()
    if not isolation.pid1 and not options.no_pid1:
        click.echo(f"sigcheck: warning: {isolation.reason}; running the command as an ordinary process, so a job "
                   "with no SIGTERM handler dies at once instead of ignoring the signal as PID 1 does", err=True)

    layout = create_layout(channels, hyperparameters)
    env = {**os.environ, **layout.environment(),
           "PYTHONUNBUFFERED": "1"}  # Python's output reaches --when line by line, not in 8 KB blocks
    stream = sys.stderr if options.output_format == "json" else sys.stdout
    progress = progress_for(stream, options.quiet)
    after = options.after if options.after is not None else (None if when else DEFAULT_AFTER)
    plan = RunPlan(tuple(argv), env, layout, isolation, stop_signal, grace, after, when)
    try:
        result = run(plan, progress)
    except KeyboardInterrupt:
        progress.close()
        click.echo("sigcheck: interrupted; the command and its children were killed", err=True)
        return 130
    finally:
        progress.close()
        if not options.keep:
            remove_layout(layout)
    outcome = Outcome(result, platform, grace_source)
    comparison = _compare(entry, settings.with_overrides(platform=platform, deadline=max(1, round(grace))), outcome,
                          isolation, stop_signal) if options.compare else None
    kept = str(layout.root) if options.keep else None
    render = render_json if options.output_format == "json" else render_text
    click.echo(render(outcome, isolation, comparison, kept))
    return outcome.exit_code


def parse_signal(name: str) -> signal.Signals:
    text = name.strip().upper()
    try:
        return signal.Signals(int(text)) if text.isascii() and text.isdigit() else signal.Signals[text if text.startswith("SIG") else "SIG" + text]
    except (KeyError, ValueError):
        raise UsageError(f"--signal {name!r}: not a signal name or number (such as TERM, SIGINT or 15)") from None


def entry_script(argv: tuple[str, ...]) -> Path | None:
    """The Python file the command runs: the first argument ending in .py."""
    for arg in argv:
        if arg.endswith(".py") and Path(arg).is_file():
            return Path(arg)
    return None


def _compile(pattern: str | None) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--when {pattern!r}: {exc}") from None


def _settings(entry: Path | None) -> Settings:
    found = find_config(resolve(entry.parent if entry else Path(".")))
    return load_settings(found) if found else Settings()


def _grace(given: float | None, settings: Settings, platform: str) -> tuple[float, str]:
    if given is not None:
        return given, "--grace"
    if settings.deadline:
        return float(settings.deadline), f"the deadline in {settings.config_path}"
    platforms = builtin_knowledge().platforms
    if platform not in platforms:
        raise UsageError(f"unknown platform {platform!r} (one of: {', '.join(platforms)})")
    return float(platforms[platform].deadline), f"the {platform} deadline"


def _compare(entry: Path | None, settings: Settings, outcome: Outcome, isolation: Isolation,
             stop_signal: signal.Signals) -> Comparison:
    if entry is None:
        return compare([], outcome.saved, outcome.stopped, isolation.pid1, note="no .py file in the command to analyse")
    from sigcheck.checking.engine import analyse

    report = analyse([entry], settings)
    findings = [{"code": d.code, "path": d.path, "line": d.line, "message": d.message} for d in report.diagnostics]
    note = ""
    if report.errors:
        note = f"{entry} could not be analysed: {report.errors[0].message}"
    elif stop_signal != signal.SIGTERM:
        note = f"the static verdict is about SIGTERM, and this run sent {stop_signal.name}"
    elif not outcome.signalled:
        note = "the command ended before the stop signal was sent"
    return compare(findings, outcome.saved, outcome.stopped, isolation.pid1, note)
