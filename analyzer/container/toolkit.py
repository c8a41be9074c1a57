"""Whether an image has the SageMaker training toolkit, whose `train` runs SAGEMAKER_PROGRAM as a
child: a training image of AWS's as the base, the toolkit's package installed (named on the RUN
line or in a requirements file it installs), or the variable only the toolkit reads set in an
image whose installs may bring it.
"""

from __future__ import annotations

from sigcheck.container.dockerfile import Instruction
from sigcheck.container.image import Image
from sigcheck.container.purpose import Read, install_may_provide, installs, listed_requirements
from sigcheck.knowledge import Knowledge


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
