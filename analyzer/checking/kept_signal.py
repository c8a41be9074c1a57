"""A launch in a shell script of the project whose launcher never passes SIGTERM on to the script it
starts (deepspeed's runner on one node): a SIGTERM handler there never runs (DKR007), and SIG001
says so instead of asking for one. The knowledge words how the launcher keeps the signal and what
to start the script with instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sigcheck.model.trace import Point

if TYPE_CHECKING:
    from sigcheck.knowledge import Knowledge
    from sigcheck.loading.launch_scripts import ScriptLaunch


@dataclass(frozen=True)
class KeptSignal:
    launch: "ScriptLaunch"
    keeps: str  # how the launcher keeps the signal, after its name
    instead: str  # what to start the script with instead

    @classmethod
    def of(cls, launch: "ScriptLaunch", knowledge: "Knowledge") -> "KeptSignal":
        entry = knowledge.containers["launcher"].find(launch.launcher)[0]
        return cls(launch, entry.option("keeps"), entry.option("instead"))

    @property
    def point(self) -> Point:
        line = self.launch.line
        return Point.in_document(self.launch.display, (line, 1, line, 1), f"{self.launch.launcher} starts the script")

    @property
    def where(self) -> str:
        return f"{self.launch.display}:{self.launch.line}"
