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
            self._imported = []
            for name in sorted(files) if files is not False else ():
                path = Path(name)
                try:
                    text = read_bytes(path, name, _MAX_BYTES).decode("utf-8", errors="replace")
                except LoadError:
                    continue
                if "custom_imports" not in text:
                    continue
                self.read[path] = None
                for listed in _CUSTOM_IMPORTS.findall(text):
                    self._imported += _MODULE.findall(listed)
            self._imported = list(dict.fromkeys(self._imported))
        return self._imported

    def inputs(self) -> list[Path]:
        return list(self.read)
