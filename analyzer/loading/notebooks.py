"""What a notebook holds for sigcheck: its code cells, and the scripts its cells write.

SageMaker's example notebooks often write the training script from a cell (`%%writefile
code/train.py`, IPython's cell magic, relative to the kernel's folder: the notebook's) and hand
it to an estimator (`entry_point="train.py", source_dir="code"`). Where that file is not in the
repository, the cell is the script: it is analysed as the file it writes, shown in the notebook,
each of its lines at the line of the notebook's file that holds it (as nbformat writes a cell: a
cell kept otherwise is not followed). Text only, nothing runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_WRITEFILE = re.compile(r"^%%writefile[ \t]+(?:(-a|--append)[ \t]+)?(\S+)[ \t]*$")


@dataclass(frozen=True)
class WrittenScript:
    path: Path  # where the cell writes it, from the notebook's folder
    text: str  # the script, each line placed at its line in the notebook's file (blank lines before)
    line: int  # the notebook file's line of the `%%writefile` magic


def code_cells(notebook: str) -> list[list[str]]:
    """Each code cell's source, as lines with their ends. Raises ValueError for text that is no notebook."""
    cells = json.loads(notebook).get("cells", [])
    found = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", [])
        lines = source.splitlines(keepends=True) if isinstance(source, str) else [str(s) for s in source]
        found.append(lines)
    return found


def written_scripts(notebook: str, cells: list[list[str]], folder: Path) -> list[WrittenScript]:
    """The Python scripts (and requirements files) the cells write, in cell order; an appending
    cell (`-a`) adds to the last one written to that path. A path IPython would expand (`{name}`, `$name`) is skipped."""
    placed = NotebookLines(notebook)
    by_path: dict[Path, WrittenScript] = {}
    for lines in cells:
        magic = _WRITEFILE.match(lines[0].rstrip("\r\n")) if lines else None
        if magic is None or not _kept(magic.group(2)) or any(c in magic.group(2) for c in "{}$\0"):
            continue
        at = placed.find(lines)
        if at is None:
            continue
        path = folder / magic.group(2).strip("'\"")
        earlier = by_path.get(path) if magic.group(1) else None
        text = earlier.text if earlier is not None else ""
        for number, line in zip(at[1:], lines[1:]):
            text += "\n" * max(0, number - 1 - text.count("\n")) + line
        if not text.endswith("\n"):
            text += "\n"
        by_path[path] = WrittenScript(path, text, earlier.line if earlier is not None else at[0])
    return list(by_path.values())


def _kept(path: str) -> bool:
    """A script the cells write, or the requirements file beside it: the versions the job installs
    (a `requirements.txt` in source_dir, which the training toolkit installs first)."""
    name = path.strip("'\"").rsplit("/", 1)[-1]
    return name.endswith(".py") or (name.startswith("requirements") and name.endswith(".txt"))


class NotebookLines:
    """Where a cell's source stands in the notebook's file: nbformat writes a source as a list of
    strings, one per line of the file, so a cell's lines follow its first, which is looked for
    after the last one found (the same magic may write a file twice). A source laid out otherwise
    (kept as one string, or a notebook written on one line) has no line of its own per line of
    the script: None, and the script is not followed."""

    def __init__(self, notebook: str) -> None:
        self.lines = notebook.splitlines()
        self.cursor = 0

    def find(self, source: list[str]) -> list[int] | None:
        start = self._holding(source[0], self.cursor)
        if start is None:
            return None
        self.cursor = start + 1
        if any(self._holding(line, start + offset, once=True) is None for offset, line in enumerate(source[1:], start=1)):
            return None
        return list(range(start + 1, start + 1 + len(source)))

    def _holding(self, line: str, start: int, once: bool = False) -> int | None:
        """The first file line from `start` (only `start` itself, with `once`) that is this source line."""
        written = json.dumps(line, ensure_ascii=False)
        end = min(start + 1, len(self.lines)) if once else len(self.lines)
        return next((n for n in range(start, end) if self.lines[n].strip().rstrip(",") == written), None)
