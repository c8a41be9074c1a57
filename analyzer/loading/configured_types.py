"""Which registered classes a configuration builds: OpenMMLab's config files name a hook by its
registry name (`custom_hooks = [dict(type='PreemptionHook')]`) or, in the newer pure-Python style,
by the class itself (`dict(type=PreemptionHook)`). Registering a class with `@HOOKS.register_module()`
builds nothing: mmengine builds only the hooks a configuration lists. The project's Python files
are read as text for such an entry (never run); a file that cannot be read, or a project too big
to list, leaves every registered class possibly built.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from sigcheck.loading.sources import LoadError, read_bytes

_MAX_BYTES = 1_000_000  # a config file is small; a bigger Python file holds no hook list worth reading
# `custom_imports = dict(imports=['a.b', 'c'], ...)` or `custom_imports = {'imports': [...]}`
_CUSTOM_IMPORTS = re.compile(r"""^[ \t]*custom_imports\s*=\s*(?:dict\(|\{)[^\]]*?\bimports['"]?\s*[=:]\s*\[([^\]]*)\]""",
                             re.M)
_MODULE = re.compile(r"""['"]([A-Za-z_][\w.]*)['"]""")
# `default_scope = 'mmpose'`: mmengine imports `mmpose.registry`, then the `locations` of its registries
_SCOPE = re.compile(r"""^[ \t]*default_scope\s*=\s*['"]([A-Za-z_]\w*)['"]""", re.M)
_LOCATIONS = re.compile(r"""\blocations\s*=\s*\[([^\]]*)\]""")


class ConfiguredTypes:
    """The names configuration entries give as a `type`, among those asked for, read once."""

    def __init__(self) -> None:
        self.read: dict[Path, None] = {}  # every file read: a cached report depends on them
        self._imported: list[str] | None = None  # see imported

    def named(self, names: Iterable[str], files: "set[str] | bool") -> set[str] | None:
        """Those of `names` some entry of these files (the project's Python files, False when
        there are too many to list) builds; None when that cannot be told."""
        wanted = sorted(set(names))
        if not wanted or files is False:
            return None if wanted else set()
        entry = re.compile(r"""\btype['"]?\s*[=:]\s*['"]?(%s)\b""" % "|".join(map(re.escape, wanted)))
        found: set[str] = set()
        for name in sorted(files):
            path = Path(name)
            self.read[path] = None
            try:
                text = read_bytes(path, name, _MAX_BYTES).decode("utf-8", errors="replace")
            except LoadError as error:
                if error.message.startswith("skipped: "):  # too big to be a config file, or no regular file
                    continue
                return None
            found.update(entry.findall(text))
        return found

    def imported(self, files: "set[str] | bool") -> list[str]:
        """The modules configuration files import before a runner is built from them: mmengine's
        `Config.fromfile` imports `custom_imports = dict(imports=['pkg.hooks'])`, which registers
        the hooks they define (the documented way to add one without editing tools/train.py)."""
        if self._imported is None:
            self._imported, scopes = [], []
            for name in sorted(files) if files is not False else ():
                text = self._text(name, ("custom_imports", "default_scope"))
                for listed in _CUSTOM_IMPORTS.findall(text or ""):
                    self._imported += _MODULE.findall(listed)
                scopes += _SCOPE.findall(text or "")
            self._imported += [name for scope in dict.fromkeys(scopes) for name in self._scope_imports(scope, files)]
            self._imported = list(dict.fromkeys(self._imported))
        return self._imported

    def _scope_imports(self, scope: str, files: "set[str] | bool") -> list[str]:
        """What a runner built in `default_scope = 'mmpose'` imports: mmengine imports the scope's
        `registry` module as it builds from it, and that registry's `locations` (mmpose's HOOKS:
        `locations=['mmpose.engine.hooks']`, where a hook the configuration lists is defined)."""
        ends = (f"/{scope}/registry.py", f"/{scope}/registry/__init__.py")
        registries = [name for name in sorted(files) if name.replace("\\", "/").endswith(ends)] if files is not False else []
        found = [f"{scope}.registry"] if registries else []
        for name in registries:
            for listed in _LOCATIONS.findall(self._text(name, ("locations",)) or ""):
                found += _MODULE.findall(listed)
        return found

    def _text(self, name: str, marks: tuple[str, ...]) -> str | None:
        """A file's text where it holds one of the marks (and is then an input of the report)."""
        try:
            text = read_bytes(Path(name), name, _MAX_BYTES).decode("utf-8", errors="replace")
        except LoadError:
            return None
        if not any(mark in text for mark in marks):
            return None
        self.read[Path(name)] = None
        return text

    def inputs(self) -> list[Path]:
        return list(self.read)
