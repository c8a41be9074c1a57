"""The images whose launch chain runs a script, as launches of it: the switches the command line
the chain ends in turns on count as a launch script's do (`ENTRYPOINT ["python", "train.py",
"--enable_jit_checkpoint", "true"]`, or that line in the entry script the image runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sigcheck.loading.sources import resolve
from sigcheck.loading.switches import switch_names, switched_by_arguments

if TYPE_CHECKING:
    from sigcheck.checking.analysis import Analysis


@dataclass(frozen=True)
class ImageLaunch:
    """An image's launch chain that runs a script: where it starts it, and the switches it turns on."""

    display: str
    line: int
    switched: frozenset[str]


def image_launches(analysis: "Analysis", path: Path) -> list[ImageLaunch]:
    names = switch_names(analysis.knowledge)
    found = []
    for container in analysis.containers:
        python = container.chain.python
        if python is None or python.program or resolve(python.path) != path:
            continue
        start = container.chain.steps[python.step - 1 if python.step else 0].point
        found.append(ImageLaunch(start.document or container.display, start.span[0] if start.span else 1,
                                 switched_by_arguments(python.call.args, names, [path.parent])))
    return found
