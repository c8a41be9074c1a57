"""What container rules ask: a container's image and launch chain joined to the Python trainer's facts.

Built once per Dockerfile by `Analysis.containers`; everything here is a query over models that
discovery and the loader already built (no file is read or parsed again).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import PurePosixPath

from sigcheck.checking.results import Edit, Fix
from sigcheck.container.argv import has_run_argument, program_name
from sigcheck.container.chain import STOPS, Chain, Step
from sigcheck.container.dockerfile import Instruction
from sigcheck.container.model import Container
from sigcheck.container.purpose import other_platform, sagemaker_sign, serving_reason
from sigcheck.container.python_launcher import Spawn, find_spawn
from sigcheck.container.runs import RunCommand, place
from sigcheck.model import ir
from sigcheck.model.trace import Point

SIGTERM, SIGINT = 15, 2


@dataclass
class ContainerFacts:
    analysis: object  # sigcheck.checking.analysis.Analysis
    container: Container

    @property
    def image(self):
        return self.container.image

    @property
    def chain(self):
        return self.container.chain

    @property
    def display(self) -> str:
        return self.container.display

    @property
    def on_sagemaker(self) -> bool:
        return self.container.run_args is not None

    @cached_property
    def serving(self) -> str | None:
        """Why the image is for an endpoint (`docker run IMAGE serve`), or None: what it is built on
        or installs, or the model server its launch chain starts."""
        reason = serving_reason(self.image, self.analysis.knowledge, self.display)
        if reason is None:
            servers = self.analysis.knowledge.containers["model-server"]
            step = next((step for step in self.chain.steps if any(servers.find(word) for word in _programs(step.label))), None)
            if step is not None:
                reason = f"its launch chain starts a model server ({step.label}, {self.where(step.point)})"
        return reason

    @cached_property
    def shows_sagemaker(self) -> bool:
        """The image shows it is for SageMaker: the Dockerfile names it, or the script it runs
        trains. A development or CI image in the same repository shows neither."""
        if sagemaker_sign(self.image) is not None:
            return True
        if self.other_platform is not None:
            return False
        own = self.container.own_trainer
        entries = [self.trainer, self.entry_for(own.path) if own is not None else None]
        return any(entry is not None and entry.first_work is not None for entry in entries)

    @cached_property
    def other_platform(self) -> str | None:
        """Why the image is for another managed platform than SageMaker, if it shows one (see
        purpose.other_platform): nothing naming SageMaker, its trainer training says nothing."""
        sources = self.analysis.project.sources
        own = self.container.own_trainer
        trainers = [self.trainer, self.entry_for(own.path) if own is not None else None]
        modules = {entry.entry.module for entry in trainers if entry is not None}
        texts = {sources[m].display: sources[m].text for m in sorted(modules) if m in sources}
        return other_platform(self.image, self.analysis.knowledge, texts)

    @property
    def for_sagemaker_training(self) -> bool:
        """SageMaker will start it with `train`: the platform is SageMaker, the image shows it is
        for SageMaker, and not for an endpoint, nor a base image others are built FROM (named so,
        `Dockerfile.base`, and with no command of its own to run)."""
        return self.on_sagemaker and self.serving is None and self.shows_sagemaker and not self.base_image

    @property
    def base_image(self) -> bool:
        name = PurePosixPath(self.display).name.lower().replace("dockerfile", "")
        return self.image.entrypoint is None and self.image.cmd is None and \
            re.search(r"(?:^|[._-])base(?:[._-]|$)", name) is not None

    # -- places in the Dockerfile ----------------------------------------------------------------

    def at(self, instruction: Instruction, note: str = "") -> Point:
        return Point.in_document(self.display, instruction.span, note or f"{instruction.keyword} {instruction.text}")

    def at_run(self, run: RunCommand, needle: str | None, note: str) -> Point:
        return Point.in_document(self.display, place(run, self.container.dockerfile.lines, needle), note)

    def trace(self) -> list[Point]:
        """The launch chain as trace points, ending in the trainer (its module, once loaded; the
        registration of its SIGTERM handler when a Python launcher starts it)."""
        points = []
        for step in self.steps:
            note = step.label if step.kind != "python" else f"the trainer {self._trainer_shown(step)}"
            if step.kind == "python-launcher":
                note = f"{self.chain.python.display} {step.note}"
            elif step.note and step.kind != "entrypoint":
                note += f": {step.note}"
            if step.kind == "entrypoint":
                note = step.point.note
            points.append(Point(step.point.func_id, step.point.node, note, step.point.document, step.point.span))
        trainer = self.trainer
        if trainer is not None and points and self.steps[-1].kind == "python":
            if not self.chain.python.program:  # a console script's program is no file: shown at its declaration
                points[-1] = Point(trainer.body_id, None, points[-1].note)
            registration = next((r for r in trainer.registrations if r.covers_sigterm), None)
            if self.spawn is not None and registration is not None:
                points[-1] = Point(registration.func_id, registration.site.node,
                                   f"the trainer {self.spawn.target.display} registers its SIGTERM handler here")
        return points

    def _trainer_shown(self, step) -> str:
        python = self.chain.python
        return python.display if python is not None and python.program else str(step.point.document)

    def where(self, point: Point) -> str:
        """`file:line` of a point, in a Dockerfile, a script or Python code."""
        if point.document is not None:
            return f"{point.document}:{point.span[0]}" if point.span else point.document
        fn = self.analysis.functions.get(point.func_id)
        if fn is None:
            return "?"
        span = self.analysis.positions.span(fn.module, point.node if point.node is not None else fn.node)
        return f"{self.analysis.project.sources[fn.module].display}:{span.line}"

    def runs(self) -> list[RunCommand]:
        return [run for stage in self.image.final.lineage() for run in stage.runs]

    # -- the trainer --------------------------------------------------------------------------------

    @cached_property
    def entry(self):
        """The EntryFacts of the Python script the chain ends in, if it was loaded."""
        target = self.chain.python
        return self.entry_for(target.path) if target is not None else None

    def entry_for(self, path):
        module = self.analysis.project.by_path.get(path.resolve())
        return self.analysis.entry_for(module) if module else None

    # -- a Python launcher: the entry point starts the trainer as a child ---------------------------

    @cached_property
    def spawn(self) -> Spawn | None:
        return find_spawn(self)

    @cached_property
    def steps(self) -> list[Step]:
        """The launch chain, continued past a Python launcher to the script it starts."""
        steps = list(self.chain.steps)
        spawn = self.spawn
        if spawn is None:
            return steps
        index = self.chain.python.step
        steps[index] = Step("python-launcher", steps[index].label, spawn.point, spawn.passes, note=spawn.note,
                            detaches=spawn.detaches)
        return [*steps[:index + 1], *spawn.steps]

    @cached_property
    def full_chain(self) -> Chain:
        problem = self.spawn.problem if self.spawn is not None and self.spawn.target is None else self.chain.problem
        return replace(self.chain, steps=self.steps, problem=problem)

    @property
    def unchecked(self) -> Point | None:
        """Where the launch chain of an image for SageMaker training stops before a trainer sigcheck
        could read, noting why: what the trainer does on SIGTERM was not checked. A note for the
        report, never a finding: the trainer may well be right (DKR003 reports a `train` that is
        not there at all)."""
        chain = self.full_chain
        if not self.for_sagemaker_training or chain.problem is None or chain.missing_train:
            return None
        if chain.awaits_program and any(run.image == self.display for run in self.analysis.script_mode_trainers):
            return None  # an estimator's entry_point names the program: its script is checked as script mode's
        image = self.image
        point = chain.steps[-1].point if chain.steps else self.at(image.entrypoint or image.cmd or image.final.start)
        return replace(point, note=f"the trainer was not checked: {chain.problem}")

    @property
    def trainer(self):
        """The EntryFacts of the script that trains: the launcher's child, or the chain's script."""
        return self.spawn.child if self.spawn is not None else self.entry

    @property
    def trainer_display(self) -> str | None:
        target = self.spawn.target if self.spawn is not None else self.chain.python
        return target.display if target is not None else None

    def runs_trainer(self) -> bool:
        """The chain's script trains (or starts a child that does), or handles SIGTERM: a helper
        that prints settings and exits is no trainer. A script that was not loaded may be one."""
        entries = [e for e in (self.entry, self.trainer) if e is not None]
        return not entries or any(e.first_work is not None or self.handles_sigterm(e) for e in entries)

    def trainer_receives(self) -> bool:
        receives = self.chain.receives()
        return bool(receives) and receives[-1]

    def handled_signals(self, entry=None) -> set[int] | None:
        """Signals the trainer has a handler for; None when a registration's signal is unknown."""
        entry = entry or self.entry
        found: set[int] = set()
        for registration in entry.registrations if entry else ():
            if registration.action in ("ignore", "default"):
                continue
            if registration.signals is None:
                return None
            found |= registration.signals
        return found

    def handles_sigterm(self, entry=None) -> bool:
        entry = entry or self.entry
        if entry is None:
            return False
        if entry.framework_handling is not None or entry.library_handles:  # Lightning's, or Composer's that exits
            return True
        handled = self.handled_signals(entry)
        return handled is None or SIGTERM in handled

    def keyboard_interrupt_saves(self) -> bool:
        """SIGINT's default handler raises KeyboardInterrupt, which unwinds to `finally` blocks."""
        saves = self.analysis.saves
        return self.entry is not None and saves.unwinds_to_save("builtins.KeyboardInterrupt", self.entry.main) is not None

    def strict_argv_parse(self) -> tuple[str, ir.CallSite] | None:
        """A parse_args() on the trainer's main path that rejects an extra positional argument."""
        if self.entry is None:
            return None
        analysis = self.analysis
        strict = analysis.knowledge.containers["strict-argv"]
        found = None
        positional = False
        for func_id in sorted(self.entry.main):
            for event in analysis.functions[func_id].events:
                if not isinstance(event, ir.CallSite):
                    continue
                names = analysis.graph.qualnames(func_id, event)
                if any(fnmatchcase(n, "*.add_argument") for n in names) and _is_positional(event):
                    positional = True
                if found is None and any(strict.find(n) for n in names) and not event.args and not _lenient(event):
                    found = (func_id, event)
        return None if positional else found

    def passes_run_argument_to_trainer(self) -> bool:
        target = self.chain.python
        return target is not None and has_run_argument(target.call.args)

    def signal_stops_at(self) -> Step | None:
        return self.chain.stopped_at()

    def stop_signal(self) -> tuple[Instruction, str, int | None] | None:
        """STOPSIGNAL's instruction, its name as written, and its number (None if unknown)."""
        instruction = self.image.stopsignal
        if instruction is None or not instruction.args:
            return None
        from sigcheck.container.substitution import expand
        word = expand(instruction.args[0], self.image.env).upper()
        signals = self.analysis.knowledge.signals
        if word.isascii() and word.isdigit():  # "²" is a digit to isdigit(), not to int()
            return instruction, self.analysis.knowledge.signal_names.get(int(word), word), int(word)
        name = word if word.startswith("SIG") else "SIG" + word
        return instruction, name, signals.get(name)


def exec_form_fix(display: str, instruction: Instruction) -> Fix | None:
    """ENTRYPOINT/CMD in exec form with the same words. Safe when the command has no shell syntax
    (variables, globs, redirections, `&&`); with variables only it is offered as unsafe, since
    the exec form passes `$VAR` literally; a compound command gets no fix."""
    text = instruction.args[0] if instruction.args else ""
    if any(token in text for token in ("&&", "||", "|", ";", ">", "<", "`", "$(", "&", "\n")):
        return None
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    if not words:
        return None
    safe = not any(ch in text for ch in "$*?[~{")
    content = f"{instruction.keyword} {json.dumps(words)}"
    edit = Edit(display, instruction.line, instruction.column, instruction.end_line, instruction.end_column, content)
    how = "" if safe else " (unsafe: the exec form does not expand variables)"
    return Fix(f"Use the exec form: {content}{how}", (edit,), safe)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_array_fix(display: str, instruction: Instruction) -> Fix | None:
    """The array an exec-form ENTRYPOINT/CMD that Docker could not read as JSON meant: its quoted
    words, where nothing but brackets, commas and spaces lies between them (a missing comma,
    kubeflow's object_detection image). Unsafe where a word holds a `$VAR`, which the exec form
    passes as it is written."""
    text = (instruction.args[0] if instruction.args else "").strip()
    if not (text.startswith("[") and text.endswith("]")) or _JSON_STRING.sub("", text[1:-1]).strip(", \t"):
        return None
    try:
        words = [json.loads(word) for word in _JSON_STRING.findall(text)]
    except ValueError:
        return None
    if not words:
        return None
    content = f"{instruction.keyword} {json.dumps(words)}"
    edit = Edit(display, instruction.line, instruction.column, instruction.end_line, instruction.end_column, content)
    safe = not any("$" in word for word in words)
    return Fix(f"Write it as a JSON array: {content}{'' if safe else ' (unsafe: the exec form does not expand variables)'}",
               (edit,), safe)


def _is_positional(site: ir.CallSite) -> bool:
    if not site.args or not isinstance(site.args[0], ir.Const) or not isinstance(site.args[0].value, str):
        return False
    return not site.args[0].value.startswith("-")


def _lenient(site: ir.CallSite) -> bool:
    value = dict(site.kwargs).get("return_remaining_strings")
    return isinstance(value, ir.Const) and bool(value.value) or bool(site.kwargs and "args" in dict(site.kwargs))


def _programs(label: str) -> list[str]:
    """The program a step's command runs and the `-m` modules it names: `exec standard-supervisor
    python3 -m vllm.entrypoints.openai.api_server` names standard-supervisor and the module. Not
    an option's value (`python train.py --rollout-engine vllm`)."""
    words = [word for word in label.split() if "=" not in word or word.startswith("-")]  # `VAR=x cmd`
    if words and words[0] == "exec":
        words = words[1:]
    return [program_name(word) for word in words[:1]] + [module for option, module in zip(words, words[1:]) if option == "-m"]


__all__ = ["ContainerFacts", "STOPS", "exec_form_fix", "json_array_fix"]
