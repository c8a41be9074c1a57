"""What a run produces: located diagnostics with their traces, and the files that failed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TraceStep:
    path: str
    line: int
    column: int
    note: str


@dataclass(frozen=True)
class Edit:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    trace: tuple[TraceStep, ...] = ()
    fix: Fix | None = None
    source_line: str = ""
    also_run_from: tuple[str, ...] = ()  # every other entry point that reaches the place; the message names three

    @property
    def sort_key(self):
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class FileError:
    path: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Note:
    """What a run could not check and a reader should know, beside the findings: an image for
    training whose launch chain sigcheck could not follow to the trainer. Never a finding."""

    path: str
    line: int
    column: int
    message: str


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    suppressed: int = 0
    parsed: int = 0  # files parsed in this run; the others' summaries came from the cache
    documents: int = 0  # of the files, Dockerfiles and shell scripts: read, not parsed as Python
    skipped: int = 0  # project Python files neither an entry point nor imported by one: never parsed
    notes: list[Note] = field(default_factory=list)
    # whose deadlines the messages state: the platform, its seconds (or the configured deadline),
    # and whether the user named it (--platform, `platform = ...`) or it is the default
    platform: tuple[str, int, bool] = ("sagemaker", 120, False)
