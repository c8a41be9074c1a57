"""Whether an image has the SageMaker training toolkit, whose `train` runs SAGEMAKER_PROGRAM as a
child: a training image of AWS's as the base, the toolkit's package installed (named on the RUN
line or in a requirements file it installs), or the variable only the toolkit reads set in an
image whose installs may bring it. And the module of the build context it calls in its own
process instead, where SAGEMAKER_TRAINING_MODULE names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sigcheck.container.dockerfile import Instruction
from sigcheck.container.image import Image
from sigcheck.container.purpose import Read, install_may_provide, installs, listed_requirements
from sigcheck.knowledge import Knowledge
from sigcheck.loading.console_scripts import package_base


def toolkit_source(image: Image, knowledge: Knowledge, read: Read) -> Instruction | None:
    """The instruction that brings the toolkit into the image (a trace points at it), or None."""
    images = knowledge.containers["toolkit-image"]
    for stage in image.final.lineage():
        if images.find(stage.base):
            return stage.start
    for run, words in installs(image):  # pip, python -m pip, uv pip
        if any(knowledge.containers["toolkit-package"].find(w) for w in words):
            return run.instruction
        if _listed(knowledge, listed_requirements(image, read, words, run.command.cwd)):
            return run.instruction
    return _configured(image, knowledge, read)


def _listed(knowledge: Knowledge, requirements: list[str]) -> bool:
    """The toolkit among the requirements a file lists, and not the older one, whose `train` would
    be on PATH as well (which of the two runs is not known)."""
    toolkit, legacy = knowledge.containers["toolkit-package"], knowledge.containers["train-provider"]
    return any(toolkit.find(r) for r in requirements) and not any(legacy.find(r) for r in requirements)


def _configured(image: Image, knowledge: Knowledge, read: Read) -> Instruction | None:
    """The ENV that configures the toolkit (SAGEMAKER_TRAINING_MODULE) in an image whose installs
    may bring it from files sigcheck does not read (the Deep Learning Containers' `uv sync` of a
    lock file), unless they name the older toolkit, whose launch is not known."""
    variables, legacy = knowledge.containers["toolkit-env"], knowledge.containers["train-provider"]
    configured = next((instruction for stage in image.final.lineage() for instruction in stage.instructions
                       if instruction.keyword == "ENV" and any(variables.find(w.split("=", 1)[0]) for w in instruction.args)),
                      None)
    if configured is None:
        return None
    provided = False
    for run, words in installs(image):
        if any(legacy.find(w) for w in words):
            return None
        provided = provided or install_may_provide(image, knowledge, read, words, run.command.cwd) is not None
    return configured if provided else None


@dataclass(frozen=True)
class TrainingModule:
    """SAGEMAKER_TRAINING_MODULE's `module:function`, where the module is the build context's."""

    module: str
    function: str
    path: Path  # where the program calling it is read from: beside the module's package, as it imports it
    line: int  # of the ENV that names it, where a trace through the call points

    @property
    def named(self) -> str:
        return f"{self.module}:{self.function}"

    def program(self) -> str:
        """What the toolkit does, as a program: import the module, call the function on the ENV's line."""
        return f"from {self.module} import {self.function}\n{chr(10) * max(0, self.line - 2)}{self.function}()\n"


def training_module(image: Image) -> TrainingModule | None:
    """The module the toolkit's `train` imports and calls in its own process (sagemaker_training's
    trainer.py): a module of the build context (the XGBoost container's algorithm mode), or None
    (a framework's, installed from the index, which runs SAGEMAKER_PROGRAM as a child)."""
    module, _, function = image.env.get("SAGEMAKER_TRAINING_MODULE", "").partition(":")
    if not module or not function.isidentifier() or not all(part.isidentifier() for part in module.split(".")):
        return None
    line = next((i.span[0] for stage in image.final.lineage() for i in stage.instructions
                 if i.keyword == "ENV" and any(w.split("=", 1)[0] == "SAGEMAKER_TRAINING_MODULE" for w in i.args)), 1)
    base = next((base for folder in image.contexts if (base := package_base(folder, module)) is not None), None)
    return None if base is None else TrainingModule(module, function, base / "__sagemaker_training_module__.py", line)
