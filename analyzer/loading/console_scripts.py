"""The project's console scripts: `axolotl train`, `llamafactory-cli train`, `tune run`.

A project declares them in pyproject.toml (`[project.scripts]`, Poetry's `[tool.poetry.scripts]`),
setup.py or setup.cfg (`console_scripts` entry points) as `name = "package.module:function"`;
installing the project puts on PATH a program that imports the module and calls the function.
That function is where such a project trains: none of its modules runs as a script. Each console
script is analysed through the wrapper pip writes for it, placed where the project's packages are
and shown at the line that declares it (a run's trace starts there). Text only, nothing runs.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_TARGET = r"([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_][\w.]*)"  # package.module:function (or :object.method)
_SPEC = re.compile(r"""^\s*([\w.-]+)\s*=\s*""" + _TARGET + r"""\s*(?:\[[^\]]*\])?\s*$""")
_QUOTED_SPEC = re.compile(r"""['"]\s*([\w.-]+)\s*=\s*""" + _TARGET + r"""\s*(?:\[[^\]]*\])?\s*['"]""")


@dataclass(frozen=True)
class ConsoleScript:
    name: str  # the program's name on PATH
    module: str  # dotted
    attribute: str  # the function called, or `object.method`
    declared_in: Path  # the project file
    line: int  # where it is declared there, 1-based

    def wrapper(self) -> str:
        """The program pip writes, its call on the declaring line: a trace through it points there."""
        base, _, rest = self.attribute.partition(".")
        called = f"{base}.{rest}" if rest else base
        head = f"import sys\nfrom {self.module} import {base}\n"
        padding = "\n" * max(0, self.line - 1 - head.count("\n"))
        return f"{head}{padding}sys.exit({called}())\n"


def console_scripts(path: Path, text: str) -> list[ConsoleScript]:
    """The console scripts a project file declares; none from a file that cannot be read as one."""
    if path.name == "pyproject.toml":
        found = _from_pyproject(text)
    elif path.name == "setup.cfg":
        found = _from_setup_cfg(text)
    else:
        found = _from_setup_py(text)
    lines = text.splitlines()
    return [ConsoleScript(name, module, attribute, path, _line_of(lines, name)) for name, module, attribute in found]


def _from_pyproject(text: str) -> list[tuple[str, str, str]]:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeError, RecursionError):
        return []
    tables = [data.get("project", {}).get("scripts"), data.get("tool", {}).get("poetry", {}).get("scripts")]
    found = []
    for table in tables:
        for name, target in (table.items() if isinstance(table, dict) else ()):
            target = target.get("callable") if isinstance(target, dict) else target  # Poetry's `{callable = ...}`
            match = re.fullmatch(r"\s*" + _TARGET + r"\s*(?:\[[^\]]*\])?\s*", target) if isinstance(target, str) else None
            if match:
                found.append((name, match.group(1), match.group(2)))
    return found


def _from_setup_cfg(text: str) -> list[tuple[str, str, str]]:
    """`console_scripts =` in `[options.entry_points]`, one `name = module:function` a line below it."""
    found, inside = [], False
    for line in text.splitlines():
        if re.match(r"^\s*console_scripts\s*=", line):
            inside = True
            line = line.split("=", 1)[1]
        elif inside and (not line[:1].isspace() or line.lstrip().startswith("[")) and line.strip():
            inside = False
        if inside and (match := _SPEC.match(line)):
            found.append(match.groups())
    return found


def _from_setup_py(text: str) -> list[tuple[str, str, str]]:
    """The `"name = module:function"` strings of the list after `console_scripts` in setup.py's
    entry points: not those of another group (`gui_scripts`, a plugin's `pytest11`)."""
    at = text.find("console_scripts")
    if at < 0:
        return []
    end = text.find("]", at)
    return [match.groups() for match in _QUOTED_SPEC.finditer(text[:end if end >= 0 else len(text)], at)]


_SCRIPTS = re.compile(r"""(?<![\w'"])scripts\s*=\s*\[([^\]]*)\]""")
_QUOTED = re.compile(r"""['"]([^'"\n]+)['"]""")


def setup_scripts(path: Path, text: str) -> list[Path]:
    """The Python scripts setup.py's `scripts=[...]` installs on PATH as they are (tensor2tensor's
    `bin/t2t-trainer`): a `.py` file, or one whose first line runs Python."""
    if path.name != "setup.py":
        return []
    found = []
    for listed in _SCRIPTS.finditer(text):
        for name in _QUOTED.findall(listed.group(1)):
            script = path.parent / name
            if script.is_file() and (script.suffix == ".py" or _runs_python(script)):
                found.append(script)
    return found


def _runs_python(script: Path) -> bool:
    try:
        with open(script, "rb") as file:
            first = file.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _line_of(lines: list[str], name: str) -> int:
    """The line that declares `name` (`mytool = ...`, `scripts.mytool = ...` under [project],
    `"mytool = ..."` in setup.py): the first naming it so."""
    key = r"""['"]?""" + re.escape(name) + r"""['"]?\s*="""
    pattern = re.compile(r"""^\s*(?:[\w-]+\.)*""" + key + r"""|['"]\s*""" + re.escape(name) + r"""\s*=""")
    return next((number for number, line in enumerate(lines, start=1) if pattern.search(line)), 1)


def program_path(script: ConsoleScript) -> Path | None:
    """Where the program pip writes for the console script is read from: beside the project's
    packages, so that its imports find them as the installed program does; None for a module of
    another package."""
    base = package_base(script.declared_in.parent, script.module)
    return None if base is None else base / f"__console_{re.sub(r'[^0-9A-Za-z_]', '_', script.name)}__.py"


def package_base(folder: Path, module: str) -> Path | None:
    """Where a project's module is imported from: its folder, or its `src/` (`src/axolotl/cli/main.py`);
    None where neither holds the module (a script of another package)."""
    parts = module.split(".")
    for base in (folder, folder / "src"):
        if base.joinpath(*parts).with_suffix(".py").is_file() or base.joinpath(*parts, "__init__.py").is_file():
            return base
    return None


def project_programs(root: Path, read: Callable[[Path], str | None]) -> dict[str, tuple[Path, ConsoleScript]]:
    """The console scripts the project files at `root` declare whose function is the project's
    own: name -> (the program pip writes for it, the declaration). `read` gives a file's text, or
    None where it has none; the first file to declare a name wins, as in PROJECT_FILES' order."""
    programs: dict[str, tuple[Path, ConsoleScript]] = {}
    for name in PROJECT_FILES:
        text = read(root / name) if (root / name).is_file() else None
        for script in console_scripts(root / name, text) if text is not None else ():
            wrapper = program_path(script)
            if wrapper is not None:
                programs.setdefault(script.name, (wrapper, script))
    return programs
