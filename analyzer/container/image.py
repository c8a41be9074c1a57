"""The image a Dockerfile builds, as far as running it is concerned: the final stage (or the
`--target`) with what it inherits from the stages it is built on.

ARG and ENV are substituted as BuildKit does (global ARGs in FROM only, a stage's ARG and ENV in
order). Files are tracked by where COPY/ADD put them (stages.py), so an image path such as
/opt/program/train leads back to the build-context file (or the heredoc) it came from.
"""

from __future__ import annotations

import os
import posixpath
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from sigcheck.container.dockerfile import Instruction, ParsedDockerfile
from sigcheck.container.stages import (DEFAULT_PATH, ImageFile, Placed, Stage, build_stages, context_matches,
                                       copy_words, mode_executable)

if TYPE_CHECKING:
    from sigcheck.container.argv import PythonCall

__all__ = ["Image", "ImageFile", "Placed", "Stage", "context_matches", "copy_words"]


def _last_runnable(stages: list[Stage]) -> Stage:
    """The stage `docker build` builds by default, the last, unless it only exports files: `FROM
    scratch AS wheel-export` with `COPY --from=...` and no ENTRYPOINT or CMD has no program to run
    (deep-learning-containers' CI stage after the `sagemaker` one). Then the last stage before it
    that can run is the image, as for a build with its `--target`."""
    def exports_only(stage: Stage) -> bool:
        return stage.root_base == "scratch" and all(s.entrypoint is None and s.cmd is None for s in stage.lineage())

    return next((stage for stage in reversed(stages) if not exports_only(stage)), stages[-1])


class Image:
    def __init__(self, parsed: ParsedDockerfile, contexts: list[Path], target: str | None = None) -> None:
        self.parsed = parsed
        self.contexts = contexts  # the build context: the Dockerfile's folder, then the project root
        self.stages = build_stages(parsed, contexts)
        chosen = [s for s in self.stages if target is not None and (s.name or "").lower() == target.lower()]
        self.final = chosen[0] if chosen else _last_runnable(self.stages)
        self.target_missing = target is not None and not chosen
        self._targeted = bool(chosen)

    @property
    def skipped_exports(self) -> list[Stage]:
        """The stages after the one that runs, when it was chosen past them (see _last_runnable); none
        when `--target` chose it, whatever comes after."""
        return self.stages[self.final.index + 1:] if self.final is not self.stages[-1] and not self._targeted else []

    # -- the run configuration ----------------------------------------------------------------

    def _inherited(self, attribute: str):
        for stage in reversed(self.final.lineage()):
            value = getattr(stage, attribute)
            if value is not None:
                return value
        return None

    @property
    def entrypoint(self) -> Instruction | None:
        return self._inherited("entrypoint")

    @property
    def cmd(self) -> Instruction | None:
        # an ENTRYPOINT in a stage resets the CMD inherited from the stage below, as Docker does
        for stage in reversed(self.final.lineage()):
            if stage.cmd is not None:
                return stage.cmd
            if stage.entrypoint is not None:
                return None
        return None

    @property
    def stopsignal(self) -> Instruction | None:
        return self._inherited("stopsignal")

    @property
    def env(self) -> dict[str, str]:
        return self.final.env

    @property
    def shell(self) -> tuple[str, ...]:
        return self.final.shell

    @property
    def workdir(self) -> str:
        return self.final.workdir

    @property
    def path_dirs(self) -> list[str]:
        return [d for d in self.env.get("PATH", DEFAULT_PATH).split(":") if d]

    def instructions(self) -> list[Instruction]:
        """Everything the image is built from: the final stage and the stages it continues."""
        return [i for stage in self.final.lineage() for i in stage.instructions]

    def words(self, instruction: Instruction) -> list[str]:
        """ENTRYPOINT/CMD as argv: exec form as written, shell form through the image's SHELL."""
        if instruction.exec_form:
            return list(instruction.args)
        return [*self.shell, instruction.args[0] if instruction.args else ""]

    # -- the file system ------------------------------------------------------------------------

    def lookup(self, image_path: str, depth: int = 0) -> ImageFile | None:
        """What an absolute image path holds, if the Dockerfile put it there."""
        path = posixpath.normpath(image_path)
        for stage in reversed(self.final.lineage()):
            for link, target in reversed(stage.links):
                if path == link and depth < 8:
                    return self.lookup(target, depth + 1)
        for stage in reversed(self.final.lineage()):
            for placed in reversed(stage.placed):
                found = _within(placed, path)
                if found is not None:
                    return ImageFile(path, placed, found if placed.context else None, placed.heredoc,
                                     self._executable(path, placed, found))
        return None

    def python_file(self, call: "PythonCall", cwd: str) -> ImageFile | None:
        """The image file `python SCRIPT` or `python -m MODULE` runs from the folder `cwd`."""
        if call.script is not None:
            return self.lookup(self.absolute(call.script, cwd))
        parts = (call.module or "").split(".")
        roots = [cwd, *self.env.get("PYTHONPATH", "").split(":")]
        for root in [r for r in roots if r]:
            for candidate in (posixpath.join(root, *parts) + ".py", posixpath.join(root, *parts, "__main__.py")):
                found = self.lookup(self.absolute(candidate, cwd))
                if found is not None:
                    return found
        return None

    def which(self, name: str) -> ImageFile | None:
        """The executable `name` resolves to through PATH (or as a path, if it contains a slash)."""
        if "/" in name:
            return self.lookup(self.absolute(name))
        for directory in self.path_dirs:
            found = self.lookup(posixpath.join(directory, name))
            if found is not None:
                return found
        return None

    def absolute(self, path: str, cwd: str | None = None) -> str:
        return posixpath.normpath(posixpath.join(cwd or self.workdir, path))

    def _executable(self, path: str, placed: Placed, context: Path | None) -> bool:
        if placed.chmod and mode_executable(placed.chmod):
            return True
        for stage in self.final.lineage():
            for pattern, _ in stage.executables:
                if path == pattern or path.startswith(pattern.rstrip("/") + "/") or fnmatchcase(path, pattern):
                    return True
        if placed.heredoc is not None or placed.written is not None:
            return False
        return context is not None and context.is_file() and os.access(context, os.X_OK)


def _within(placed: Placed, path: str) -> Path | None | bool:
    """The context file for `path` under this placement; True for a heredoc; None if not here."""
    if placed.image_path == path:
        if placed.heredoc is not None or placed.written is not None:
            return True  # type: ignore[return-value]
        return placed.context
    if placed.is_dir and placed.context is not None and path.startswith(placed.image_path.rstrip("/") + "/"):
        candidate = placed.context / path[len(placed.image_path.rstrip("/")) + 1:]
        return candidate if candidate.exists() else None
    return None
