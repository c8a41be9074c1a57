"""The `sigcheck` command: `sigcheck PATH...` checks; `sigcheck rule CODE` and `sigcheck rules` document."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import traceback
from pathlib import Path

import click

from sigcheck import __version__
from sigcheck.config.settings import ConfigError, Settings, find_config, load_settings
from sigcheck.knowledge import KnowledgeError
from sigcheck.loading.cache import DEFAULT_DIR, ENV_DIR
from sigcheck.loading.sources import resolve
from sigcheck.report.progress import Progress

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CI_FORMATS = ("sarif", "github", "junit", "gitlab")  # each a module in sigcheck.report with render()


class _DefaultToCheck(click.Group):
    """`sigcheck train.py` means `sigcheck check train.py`, as `ruff x.py` once meant `ruff check`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sigcheck")
def main() -> None:
    """Will this training job survive being stopped? Checks training code for SIGTERM handling."""


def console_main() -> None:
    """The `sigcheck` program. A run that ends after one report needs neither the cyclic garbage
    collector (see `checking.engine._collector_paused`) nor the interpreter's teardown, which frees
    the model object by object (~20 s after a run over transformers): once its output is flushed it
    ends with `os._exit`. The language server lives long and keeps both. A crash prints its
    traceback and exits 2, as a run that could not analyse everything does."""
    if sys.argv[1:2] == ["lsp"]:
        main()
        return
    gc.disable()
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = _exit_status(stop.code)
    except Exception:  # a bug in sigcheck: never exit 1, which says the code has findings
        traceback.print_exc()
        print("sigcheck: internal error: this is a bug in sigcheck, not in the code analysed; the traceback "
              "above says where", file=sys.stderr)
        code = 2
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`sigcheck . | head`) or stream
            pass
    os._exit(code)


# Deadlines in messages are the platform's: one a user on Kubernetes or Slurm never named reads as a claim.
_DEFAULT_PLATFORM = ("note: deadlines are SageMaker's, the default platform: name yours with --platform "
                     "(kubernetes, slurm, docker, generic) or `platform = ...` in [tool.sigcheck]")


def _exit_status(code) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)  # sys.exit("message"), as the interpreter would show it
    return 1


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(c.strip().upper() for c in value.split(",") if c.strip())


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json", *CI_FORMATS, "lsp"]), default="text", show_default=True)
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (replaces the configured set).")
@click.option("--extend-select", help="Comma-separated rule codes or prefixes to enable on top of the selection.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file.")
@click.option("--platform", type=click.Choice(["sagemaker", "kubernetes", "docker", "slurm", "generic"]), help="Platform whose stop deadline applies.")
@click.option("--deadline", type=click.IntRange(min=1), help="Seconds between SIGTERM and SIGKILL (overrides the platform's).")
@click.option("--target", help="The Dockerfile stage that runs (as `docker build --target`); default: the last.")
@click.option("--no-color", is_flag=True, help="Never colour the output.")
@click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only: no source lines, traces or summary.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--exit-zero", is_flag=True,
              help="Exit with 0 even when problems are found, some files could not be analysed (they are listed; "
                   "when none could, the exit status is still 2) or a folder has no entry points.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place, then report what remains.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of applying them.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (or show) fixes marked unsafe.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes that parse files.  [default: the CPUs available]")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help=f"Where the cache lives.  [default: ${ENV_DIR}, else {DEFAULT_DIR} in the project]")
def check(paths, output_format, select, extend_select, ignore, config_file, platform, deadline, target, no_color, quiet,
          statistics, exit_zero, fix, diff, unsafe_fixes, jobs, no_cache, cache_dir):
    """Check training entry points (files) or search directories for them."""
    from sigcheck.checking.engine import analyse
    from sigcheck.report import json as json_report
    from sigcheck.report import text as text_report

    paths = list(paths) or [Path(".")]
    progress = Progress.on_stderr(enabled=output_format == "text" and not quiet)
    try:
        settings = _settings(paths, config_file).with_overrides(
            select=_codes(select), ignore=_codes(ignore), extend_select=_codes(extend_select),
            platform=platform, deadline=deadline, target=target)
        options = _run_options(paths, settings, jobs, no_cache, cache_dir, progress)
        report = analyse(paths, settings, options=options)
        if fix or diff:
            report = _fix(paths, settings, report, diff, unsafe_fixes, options)
    except (ConfigError, KnowledgeError) as exc:
        click.echo(f"sigcheck: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    finally:
        if progress is not None:
            progress.clear()

    if output_format == "json":
        click.echo(json_report.render(report))
    elif output_format in CI_FORMATS:
        click.echo(importlib.import_module(f"sigcheck.report.{output_format}").render(report))
    elif output_format == "lsp":  # for editors and tools that run a command instead of `sigcheck lsp`
        from sigcheck.lsp.convert import render as render_lsp
        click.echo(render_lsp(report))
    elif quiet:
        for d in report.diagnostics:
            click.echo(f"{text_report.clean(d.path)}:{d.line}:{d.column}: {d.code} {text_report.clean(d.message)}")
        for e in report.errors:
            click.echo(f"{text_report.clean(e.path)}: E902 {text_report.clean(e.message)}", err=True)
    else:
        color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
        click.echo(text_report.render(report, color=color, statistics=statistics))
        if report.diagnostics and not settings.platform_named:
            click.echo(_DEFAULT_PLATFORM)

    if report.errors and not report.files and not (exit_zero and _only_empty_folders(report)):
        sys.exit(EXIT_ERROR)
    if report.diagnostics and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_ERROR if report.errors and not exit_zero else EXIT_CLEAN)


def _only_empty_folders(report) -> bool:
    """Whether every error is a folder with no entry points, or a named file that runs none of its
    functions: nothing to check, which `--exit-zero` lets pass, as ruff does a folder with no
    Python files. A file that could not be read still fails."""
    from sigcheck.loading.discovery import NO_ENTRY_POINTS, RUNS_NOTHING
    return all(error.message in (NO_ENTRY_POINTS, RUNS_NOTHING) for error in report.errors)


def _run_options(paths, settings: Settings, jobs: int | None, no_cache: bool, cache_dir: Path | None, progress):
    from sigcheck.checking.runcache import RunOptions
    from sigcheck.loading.cache import Cache, cache_folder
    from sigcheck.loading.roots import project_root
    from sigcheck.loading.summaries import available_cpus

    cache = None
    if not no_cache:
        cache = Cache(cache_folder(cache_dir, settings.base_dir or project_root(paths)))
    return RunOptions(jobs or available_cpus(), cache, progress, isolated=True)  # every file within its time budget


def _fix(paths, settings, report, diff_only: bool, unsafe: bool, options=None):
    from sigcheck.checking.engine import analyse
    from sigcheck.checking.fixes import plan_fixes, write_fixes

    planned = plan_fixes(report, unsafe)
    if diff_only:
        for fixed in planned:
            click.echo(fixed.diff(), nl=False)
        count = sum(f.applied for f in planned)
        click.echo(f"Would fix {count} problem{'s' if count != 1 else ''}.", err=True)
        sys.exit(EXIT_FINDINGS if planned else EXIT_CLEAN)
    fixed = write_fixes(planned)
    if fixed:
        click.echo(f"Fixed {fixed} problem{'s' if fixed != 1 else ''}.", err=True)
    return analyse(paths, settings, options=options)  # report what remains


def _settings(paths: list[Path], config_file: Path | None) -> Settings:
    if config_file is not None:
        return load_settings(config_file)
    start = paths[0] if paths[0].is_dir() else paths[0].parent
    found = find_config(resolve(start))  # resolve() that survives a symlink loop
    return load_settings(found) if found else Settings()


@main.command("clean")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help=f"The cache to remove.  [default: ${ENV_DIR}, else {DEFAULT_DIR} in the project]")
def clean(paths, cache_dir):
    """Remove the cache of the project PATHS are in (default: the current folder)."""
    import shutil

    from sigcheck.loading.cache import cache_folder, made_by_sigcheck
    from sigcheck.loading.roots import project_root

    paths = list(paths) or [Path(".")]
    folder = cache_folder(cache_dir, _settings(paths, None).base_dir or project_root(paths))
    if not folder.exists():
        click.echo(f"No cache at {folder}.", err=True)
        return
    if not folder.is_dir() or not made_by_sigcheck(folder):
        click.echo(f"sigcheck: error: {folder} is no cache sigcheck created (its .gitignore does not say so): "
                   "left as it is", err=True)
        sys.exit(EXIT_ERROR)
    try:
        shutil.rmtree(folder)
    except OSError as error:
        click.echo(f"sigcheck: error: could not remove {folder}: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Removed {folder}.", err=True)


@main.command("chain")
@click.argument("dockerfiles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--platform", type=click.Choice(["sagemaker", "kubernetes", "docker", "slurm", "generic"]), help="Platform that runs the image.")
@click.option("--deadline", type=click.IntRange(min=1), help="Seconds between SIGTERM and SIGKILL (overrides the platform's).")
@click.option("--target", help="The Dockerfile stage that runs; default: the last.")
def chain(dockerfiles, platform, deadline, target):
    """Print a Dockerfile's launch chain: each step, who receives the stop signal, the deadline."""
    from sigcheck.checking.engine import prepare
    from sigcheck.container.explain import describe

    try:
        settings = _settings(list(dockerfiles), None).with_overrides(platform=platform, deadline=deadline, target=target)
        found, analysis = prepare(list(dockerfiles), settings)
    except (ConfigError, KnowledgeError) as exc:
        click.echo(f"sigcheck: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    for error in found.errors:
        where = error.display + (f":{error.line}:{error.column or 1}" if error.line else "")
        click.echo(f"{where}: E902 {error.message}", err=True)
    for facts in analysis.containers:
        click.echo(describe(facts, analysis))
    sys.exit(EXIT_ERROR if found.errors or not analysis.containers else EXIT_CLEAN)


@main.command("graph")
@click.argument("entries", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["dot", "json", "pycg"]), default="dot", show_default=True)
@click.option("--root", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Folder that module names are relative to (default: the project root found from the entries).")
@click.option("--handlers", "handlers_only", is_flag=True, help="Only the functions the signal handlers reach.")
def graph(entries, output_format, root, handlers_only):
    """Print the call graph sigcheck builds from entry points: dot, json, or PyCG's format (pycg)."""
    from sigcheck.checking.engine import prepare
    from sigcheck.report.graph import RENDERERS, GraphView

    try:
        found, analysis = prepare(list(entries), _settings(list(entries), None), root=root, every_function=True)
    except (ConfigError, KnowledgeError) as exc:
        click.echo(f"sigcheck: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    errors = [*found.errors, *analysis.project.errors]
    for error in errors:
        where = error.display + (f":{error.line}:{error.column or 1}" if error.line else "")
        click.echo(f"{where}: E902 {error.message}", err=True)
    click.echo(RENDERERS[output_format](GraphView(analysis, handlers_only)))
    sys.exit(EXIT_ERROR if errors else EXIT_CLEAN)


@main.command("verify", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--after", type=click.FloatRange(min=0), help="Seconds of work before the stop signal (default 10; with --when, counted from the match).")
@click.option("--when", help="Send the stop signal once a line of the command's output matches this regular expression.")
@click.option("--signal", "stop_signal", default="SIGTERM", show_default=True, help="The stop signal, by name or number.")
@click.option("--grace", type=click.FloatRange(min=0), help="Seconds from the stop signal to SIGKILL (default: the platform's deadline).")
@click.option("--platform", type=click.Choice(["sagemaker", "kubernetes", "docker", "slurm", "generic"]), help="Platform whose deadline applies.")
@click.option("--channel", "channels", multiple=True, metavar="NAME=DIR", help="Copy DIR to input/data/NAME and set SM_CHANNEL_NAME.")
@click.option("--hyperparameter", "hyperparameters", multiple=True, metavar="KEY=VALUE", help="Add to hyperparameters.json and SM_HPS.")
@click.option("--no-pid1", is_flag=True, help="Run as an ordinary process, not as PID 1 of a new PID namespace.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress and no command output: the report only.")
@click.option("--compare", "compare_static", is_flag=True, help="Also analyse the command's .py file and compare the verdicts.")
@click.option("--keep", is_flag=True, help="Keep the fake /opt/ml directory and print its path.")
def verify(command, after, when, stop_signal, grace, platform, channels, hyperparameters, no_pid1, output_format, quiet,
           compare_static, keep):
    """Run a training command in a fake SageMaker layout, stop it as the platform does, report what survived."""
    from sigcheck.verify.command import VerifyOptions, run_verify

    sys.exit(run_verify(VerifyOptions(tuple(command), after, when, stop_signal, grace, platform, channels, hyperparameters,
                                      no_pid1, output_format, quiet, compare_static, keep)))


@main.command("lsp")
def lsp():
    """Run the language server on stdin/stdout, for editors (see the README, "In your editor")."""
    from sigcheck.lsp.server import serve  # only here: plain runs never import pygls

    serve()


_PLAIN = click.option("--no-color", is_flag=True,
                      help="Accepted as `check` accepts it: this output is plain text, never coloured.")


@main.command("rule")
@click.argument("code")
@_PLAIN
def rule_page(code, no_color):
    """Print a rule's documentation page with its examples."""
    from sigcheck.report.docs import FILE_ERROR_CODE, FILE_ERROR_PAGE, rule_page as render_page
    from sigcheck.rules import RULES_BY_CODE

    if code.upper() == FILE_ERROR_CODE:  # no rule: what a file that could not be analysed is reported as
        click.echo(FILE_ERROR_PAGE, nl=False)
        return
    rule = RULES_BY_CODE.get(code.upper())
    if rule is None:
        click.echo(f"sigcheck: error: unknown rule {code!r} (see `sigcheck rules`)", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(render_page(rule))


@main.command("rules")
@_PLAIN
def rules_table(no_color):
    """List every rule with its default severity and whether it is on by default."""
    from sigcheck.report.docs import rules_table as render_table
    from sigcheck.rules import ALL_RULES

    click.echo(render_table(ALL_RULES))
