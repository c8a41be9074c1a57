"""How a script named alone is launched: the project's shell scripts, task files, manifests,
READMEs and estimator calls that start it, read as a run over the project's folder reads them;
and the images that run it, for what they tell of its run (an image with no training toolkit sets
no SM_* variable: OPT001), not judged themselves.

`sigcheck train.py` then judges train.py under the deadline of the `torchrun` line in run.sh, as
`sigcheck .` does (peft's examples/sft: accelerate's 30 s, not SageMaker's 120 s). Only what starts
a named script is taken: the other scripts those files start are no entry points of the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sigcheck.loading.launch_files import named_in_arguments, relative
from sigcheck.loading.roots import is_project_root
from sigcheck.loading.sources import is_file, resolve

if TYPE_CHECKING:
    from sigcheck.loading.discovery import Discovery

_MAX_TEXT = 1 << 20  # of a named script, searched for the shell scripts it names


def add_launches_of_named(found: "Discovery", named: set[Path], glob_base: Path, exclude, search: Callable) -> None:
    """Take into `found` the launches of the `named` scripts (resolved) that the project's files
    hold, found by `search` (discovery's walk of a folder) over its root. Only in a project (a
    marker at the root): a root that is only the working folder may be a home folder."""
    if found.searched or not named or not is_project_root(found.root):
        return
    around = type(found)(found.root, platform=found.platform, target=found.target, overlays=found.overlays)
    around.declared = found.declared
    search(around, found.root, (), glob_base, exclude)  # its errors are no input's: not reported
    found.declared = around.declared
    known = {(launch.display, launch.line, launch.target) for launch in [*found.launches, *found.documented]}
    launches = [launch for launch in around.launches
                if launch.target in named and (launch.display, launch.line, launch.target) not in known]
    shells = _started_shells(around.launches, named, known)
    found.launches += launches + shells
    found.documented += [launch for launch in around.documented
                         if launch.target in named and (launch.display, launch.line, launch.target) not in known]
    known_calls = {(call.display, call.span) for call in found.estimators}
    calls = [call for call in around.estimators
             if resolve(call.script) in named and (call.display, call.span) not in known_calls]
    found.estimators += calls
    for display in {launch.display for launch in launches} | {call.display for call in calls}:
        if display in around.launchers:
            found.launchers.setdefault(display, around.launchers[display])
    found.embedded.update({path: shown for path, shown in around.embedded.items() if path in named})
    found.context_containers += [c for c in around.containers if named & _run_by(c)]
    for launch in launches:
        found.loaded += named_in_arguments(launch, found.root)
    for launch in shells:  # read: whether the child they start trains
        found.loaded.append((launch.target, relative(launch.target, found.root)))


def _started_shells(launches: list, named: set[Path], known: set) -> list:
    """The launches of the shell scripts a named script's text names (`os.system("bash exp.sh")`:
    CodeT5's run_exp.py, triage CQ): the child that starts runs what they launch, as in a run
    over the project's folder. Only the child model reads them: they are no entry points."""
    texts = [text for path in named if (text := _text(path))]
    return [launch for launch in launches if launch.shell is not None and launch.target not in named
            and (launch.display, launch.line, launch.target) not in known
            and any(launch.shell.name in text for text in texts)]


def _text(path: Path) -> str:
    """A named script's text; nothing for what is no regular file (a FIFO would block the read)."""
    if not is_file(path):
        return ""
    try:
        with open(path, "rb") as handle:
            return handle.read(_MAX_TEXT).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _run_by(container) -> set[Path]:
    """The scripts an image runs (resolved): its trainer, the one its ENTRYPOINT runs before, those it launches."""
    targets = [t.path for t in (container.chain.python, container.own_trainer) if t is not None]
    return {resolve(path) for path in [*targets, *container.launched]}
