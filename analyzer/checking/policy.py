"""Which rules run, how severe their findings are, and which findings the user silenced."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

from sigcheck.checking.rule import Rule
from sigcheck.config.settings import ConfigError, Settings


def _matches(code: str, selectors) -> bool:
    return any(s == "ALL" or code.startswith(s.upper()) for s in selectors)


def selected_rules(rules: list[type[Rule]], settings: Settings) -> list[Rule]:
    known = [r.code for r in rules]
    for selector in (*(settings.select or ()), *settings.ignore, *settings.extend_select):
        if selector != "ALL" and not any(code.startswith(selector.upper()) for code in known):
            raise ConfigError(f"unknown rule code or prefix {selector!r} (see `sigcheck rules`)")
    chosen = []
    for rule in rules:
        if settings.select is None:
            on = rule.default_enabled
        else:
            on = _matches(rule.code, settings.select)
        on = (on or _matches(rule.code, settings.extend_select)) and not _matches(rule.code, settings.ignore)
        if on:
            chosen.append(rule())
    return chosen


def severity_of(rule: Rule, settings: Settings) -> str:
    return settings.severity.get(rule.code, rule.severity)


def ignored_for_file(code: str, path: str, settings: Settings) -> bool:
    if not settings.per_file_ignores:
        return False
    absolute = Path(path).resolve()
    base = (settings.base_dir or Path.cwd()).resolve()
    try:
        relative = absolute.relative_to(base).as_posix()
    except ValueError:
        relative = Path(path).as_posix()
    for glob, codes in settings.per_file_ignores.items():
        if (fnmatch(relative, glob) or fnmatch(absolute.name, glob)) and _matches(code, codes):
            return True
    return False
