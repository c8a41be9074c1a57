"""Settings from configuration files and the command line, validated with the offending key named."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from sigcheck.checking.rule import SEVERITIES


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: the rules enabled by default
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    entry_points: tuple[str, ...] = ()
    save_functions: tuple[str, ...] = ()
    blocking_functions: tuple[str, ...] = ()
    platform: str = "sagemaker"
    platform_named: bool = False  # set by the configuration or the command line, not the default
    deadline: int | None = None  # overrides the platform's deadline
    target: str | None = None  # the Dockerfile stage that runs (`docker build --target`); None: the last
    exclude: tuple[str, ...] = ()
    config_path: Path | None = None  # the file these settings came from
    base_dir: Path | None = None  # globs in the file are relative to it

    def with_overrides(self, **changes: Any) -> "Settings":
        given = {k: v for k, v in changes.items() if v is not None}
        if "platform" in given:
            given["platform_named"] = True
        return replace(self, **given)


# key -> (field name, expected type, element type for lists)
_KEYS: dict[str, tuple[str, type, type | None]] = {
    "select": ("select", list, str),
    "ignore": ("ignore", list, str),
    "extend-select": ("extend_select", list, str),
    "per-file-ignores": ("per_file_ignores", dict, None),
    "severity": ("severity", dict, None),
    "entry-points": ("entry_points", list, str),
    "save-functions": ("save_functions", list, str),
    "blocking-functions": ("blocking_functions", list, str),
    "platform": ("platform", str, None),
    "deadline": ("deadline", int, None),
    "target": ("target", str, None),
    "exclude": ("exclude", list, str),
}


def find_config(start: Path) -> Path | None:
    """The nearest sigcheck.toml, or pyproject.toml with a [tool.sigcheck] table, above `start`."""
    for directory in [start, *start.parents]:
        candidate = directory / "sigcheck.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "sigcheck" in _read(candidate).get("tool", {}):
            return candidate
    return None


def load_settings(path: Path) -> Settings:
    document = _read(path)
    table = document.get("tool", {}).get("sigcheck", {}) if path.name == "pyproject.toml" else document
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.sigcheck] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        name, kind, element = _KEYS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {key!r} must be a {_type_name(kind)}")
        if element is not None and not all(isinstance(v, element) for v in value):
            raise ConfigError(f"{path}: every entry of {key!r} must be a {_type_name(element)}")
        values[name] = tuple(value) if kind is list else value
    _validate(values, path)
    return Settings(**values, platform_named="platform" in values, config_path=path, base_dir=path.parent)


def _validate(values: dict[str, Any], path: Path) -> None:
    for glob, codes in values.get("per_file_ignores", {}).items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: per-file-ignores[{glob!r}] must be a list of rule codes")
    values["per_file_ignores"] = {g: tuple(c) for g, c in values.get("per_file_ignores", {}).items()}
    for code, severity in values.get("severity", {}).items():
        if severity not in SEVERITIES:
            raise ConfigError(f"{path}: severity[{code!r}] must be one of {', '.join(SEVERITIES)}")
    if values.get("deadline", 1) <= 0:
        raise ConfigError(f"{path}: 'deadline' must be a positive number of seconds")


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _type_name(kind: type) -> str:
    return {list: "list", dict: "table", str: "string", int: "whole number", bool: "boolean"}[kind]
