"""A script the SageMaker Python SDK runs in script mode, and how it runs it: a framework estimator,
or accelerate's SageMaker launcher, which builds one, hands it to the training toolkit in AWS's
image; the generic Estimator, to the toolkit in the image a Dockerfile of the project's builds
with no SAGEMAKER_PROGRAM of its own (the estimator's `entry_point` names it); a ModelTrainer's
SourceCode, to its own sm_train.sh under bash. Either way SIGTERM never reaches the script
(DKR007), and a handler there never runs (SIG001 says so instead of asking for one)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sigcheck.model.trace import Point

if TYPE_CHECKING:
    from sigcheck.checking.entries import EntryFacts
    from sigcheck.loading.estimators import EstimatorLaunch

FRAMEWORK, SOURCE_CODE, TOOLKIT_IMAGE = "framework-estimator", "source-code-runner", "toolkit-estimator"  # the knowledge's kinds


@dataclass(frozen=True)
class ScriptModeRun:
    call: "EstimatorLaunch"
    trainer: "EntryFacts"  # of the script it runs
    kind: str  # FRAMEWORK, SOURCE_CODE or TOOLKIT_IMAGE
    image: str | None = None  # TOOLKIT_IMAGE: the Dockerfile whose image's toolkit runs the script

    @property
    def who(self) -> str:
        """What runs the script, as a sentence names it: "the PyTorch estimator"."""
        if self.kind == SOURCE_CODE:
            return "a ModelTrainer's SourceCode"
        if self.call.written:
            return self.call.written
        return f"the {self.call.name}" if self.call.name.endswith("Estimator") else f"the {self.call.name} estimator"

    @property
    def how(self) -> str:
        """How it runs the script, and why SIGTERM never reaches it."""
        if self.kind == SOURCE_CODE:
            return ("through its sm_train.sh under `/bin/bash -c`, whatever the image: bash, PID 1 with no TERM "
                    "trap, starts it as a child and passes no signal on")
        image = f"the image {self.image} builds" if self.kind == TOOLKIT_IMAGE else "AWS's framework image"
        return (f"in {image}, whose SageMaker training toolkit starts it as a child through /bin/sh "
                "and never forwards SIGTERM (sagemaker-training-toolkit #125, #173)")

    @property
    def checkpoints(self) -> str:
        """Where the job's definition names the checkpoints SageMaker uploads as training goes."""
        return "the ModelTrainer's checkpoint_config" if self.kind == SOURCE_CODE else "the estimator's checkpoint_s3_uri"

    @property
    def point(self) -> Point:
        return Point.in_document(self.call.display, self.call.span, f"{self.who} runs the script")

    @property
    def where(self) -> str:
        return f"{self.call.display}:{self.call.span[0]}"


def nearest_image(dockerfiles: list[str], launcher: str) -> str | None:
    """Of the Dockerfiles, the one whose folder shares the most of the launcher file's path (a
    sample's own `container/Dockerfile` before its sibling's), the first of those tied."""
    return max(dockerfiles, default=None, key=lambda d: (nearness(d, launcher), -dockerfiles.index(d)))


def nearness(dockerfile: str, launcher: str) -> int:
    return _shared(PurePosixPath(dockerfile).parent.parts, PurePosixPath(launcher).parent.parts)


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    return next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
