"""One container: its Dockerfile parsed, the image it builds, the launch chain, and the files read.

Built once per Dockerfile during discovery (the chain names the Python entry point to analyse);
the engine hands the result to the Analysis, so rules never parse or read a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from sigcheck.container.chain import Chain, ChainBuilder, PythonTarget
from sigcheck.container.context import build_contexts
from sigcheck.container.dockerfile import ParsedDockerfile, parse_dockerfile
from sigcheck.container.image import Image, ImageFile
from sigcheck.container.named_scripts import named_scripts
from sigcheck.container.purpose import installs_a_local_project, unseen_train
from sigcheck.container.starters import STOPS
from sigcheck.knowledge import Knowledge
from sigcheck.loading.console_scripts import PROJECT_FILES, console_scripts, program_path
from sigcheck.loading.sources import LoadError, SourceFile, display_path, read_text


@dataclass
class Container:
    dockerfile: ParsedDockerfile
    image: Image
    chain: Chain
    run_args: list[str] | None  # ["train"] on SageMaker; None: the image's CMD runs
    documents: dict[str, SourceFile] = field(default_factory=dict)  # the Dockerfile and scripts read
    errors: list[LoadError] = field(default_factory=list)
    launched: list[Path] = field(default_factory=list)  # scripts the Python entry point may start as children
    # With no `train` in the image: the Python script its own CMD runs, whose training work shows
    # what the image is for.
    own_trainer: PythonTarget | None = None
    # Built on a plain public base that installs nothing that may bring the SageMaker training
    # toolkit: the scripts it runs get the /opt/ml layout and none of the SM_* variables.
    without_toolkit: bool = False

    @property
    def display(self) -> str:
        return self.dockerfile.source.display

    @property
    def python_before_toolkit(self) -> bool:
        """Whether the chain's Python script runs with no toolkit before it, in an image whose ENV
        sets no SM_* variable: whatever the image installs, nothing tells that script where the
        /opt/ml folders are (a PID 1 launcher that starts the toolkit's `train` runs before it)."""
        python = self.chain.python
        if python is None or any(name.startswith("SM_") for name in self.image.env):
            return False
        return all(step.kind != "toolkit" for step in self.chain.steps[:python.step])

    @property
    def entry_reason(self) -> str:
        """Why the chain's Python script is an entry point, as traces show it."""
        toolkit = next((s for s in self.chain.steps if s.kind == "toolkit"), None)
        if toolkit is not None:  # it runs SAGEMAKER_PROGRAM, or calls the training module in its own process
            return f"{'SAGEMAKER_PROGRAM' if toolkit.passes == STOPS else 'SAGEMAKER_TRAINING_MODULE'} of {self.display}"
        if self.image.entrypoint is not None:
            return f"ENTRYPOINT of {self.display}"
        if self.run_args:
            return f"`{self.run_args[0]}` on the PATH of {self.display}"
        return f"CMD of {self.display}"


def run_arguments(platform: str) -> list[str] | None:
    """SageMaker runs `docker run IMAGE train`; other platforms run the image's own CMD."""
    return ["train"] if platform == "sagemaker" else None


def load_container(path: Path, project_root: Path, knowledge: Knowledge, platform: str = "sagemaker",
                   target: str | None = None, overlays: Mapping[Path, str] | None = None) -> Container:
    """Parse a Dockerfile and follow its launch chain. Raises LoadError for a broken Dockerfile;
    a broken script on the chain is recorded in `errors` and ends the chain there. `overlays`
    (resolved path -> text) replace files on disk: an editor's unsaved documents."""
    source = read_text(path, overlays=overlays)
    parsed = parse_dockerfile(source)
    folder = path.resolve().parent
    contexts = build_contexts(parsed, folder, project_root.resolve())
    image = Image(parsed, contexts, target)
    documents = {source.display: source}
    errors: list[LoadError] = []
    if image.target_missing:
        first = parsed.instructions[0]
        errors.append(LoadError(source.display, f"no build stage named {target!r}: the last stage is used",
                                first.line, first.column))

    def read(found: ImageFile) -> tuple[str, str, int] | None:
        if found.heredoc is not None:
            return found.heredoc.body, source.display, found.heredoc.line - 1
        if found.placed.written is not None:  # `RUN printf ... > /entry.sh`: placed on that RUN
            return found.placed.written.text, source.display, found.placed.written.span
        if found.context is None or not found.context.is_file():
            return None
        display = display_path(found.context)
        if display not in documents:
            try:
                documents[display] = read_text(found.context, display, overlays)
            except LoadError as error:
                errors.append(error)
                return None
        return documents[display].text, display, 0

    run_args = run_arguments(platform)
    builder = ChainBuilder(image, knowledge, read, installed_programs(image, contexts, overlays))
    chain = builder.build(run_args)
    errors.extend(builder.errors)
    launched: list[Path] = []
    if chain.python is not None and not chain.python.program:  # the trainer is shown in traces like the other files
        documents.setdefault(chain.python.display, None)  # type: ignore[arg-type]
        try:
            documents[chain.python.display] = read_text(chain.python.path, chain.python.display, overlays)
            launched = named_scripts(image, chain.python, documents[chain.python.display].text, knowledge, read)
        except LoadError:
            documents.pop(chain.python.display, None)
    own_trainer = None
    if chain.missing_train:
        own_trainer = ChainBuilder(image, knowledge, read).build(None).python
        if own_trainer is not None:
            try:
                documents.setdefault(own_trainer.display, read_text(own_trainer.path, own_trainer.display, overlays))
            except LoadError:
                own_trainer = None
    without_toolkit = "toolkit" not in {step.kind for step in chain.steps} and unseen_train(image, knowledge, read) is None
    return Container(parsed, image, chain, run_args, documents, errors, launched, own_trainer, without_toolkit)


def installed_programs(image: Image, contexts: list[Path], overlays: Mapping[Path, str] | None = None) -> dict:
    """The console scripts of the projects in the build context, by name, where the image installs
    a project from its files (`pip install .`): their programs are on the image's PATH."""
    if not installs_a_local_project(image):
        return {}
    found: dict = {}
    for folder in contexts:
        for name in PROJECT_FILES:
            try:
                text = read_text(folder / name, display_path(folder / name), overlays).text if (folder / name).is_file() else None
            except LoadError:
                text = None
            for script in console_scripts(folder / name, text) if text else ():
                if program_path(script) is not None:
                    found.setdefault(script.name, script)
    return found
