"""Parse a Dockerfile with BuildKit's own parser and give every instruction its place in the file.

The `dockerfile` package binds the official Go parser (moby/buildkit), so line continuations,
the `escape` directive, comments inside continuations, empty continuation lines, heredocs and
the JSON-or-shell decision are exactly BuildKit's. It reports errors without a place and gives
no columns; this module adds both: columns from the source lines, and the line of an error by
finding the longest prefix of the file that still parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import dockerfile as buildkit

from sigcheck.loading.sources import LoadError, SourceFile

# What BuildKit's dispatcher accepts; the parser itself takes any word.
KNOWN_INSTRUCTIONS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
})
_HEREDOC_WORD = re.compile(r"^\d*<<(-?)\s*(['\"]?)([^<'\"]+)\2$")
# Parsing prefixes to place an error costs one parse per line: enough for any real Dockerfile.
_MAX_LINES_TO_LOCATE = 5000


@dataclass(frozen=True)
class Heredoc:
    name: str
    body: str  # with leading tabs removed for `<<-`, as BuildKit does
    line: int  # the file line of the body's first line
    quoted: bool  # `<<"EOF"`: the body is taken literally, no expansion

    def file_line(self, body_line: int) -> int:
        return self.line + body_line - 1


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: "ENTRYPOINT"
    args: tuple[str, ...]  # exec form: the JSON strings; shell form: the parser's words
    flags: tuple[str, ...]  # "--from=build", "--chmod=755"
    exec_form: bool  # a JSON array: no shell between Docker and the program
    text: str  # the arguments as written on the logical line (continuations joined)
    line: int
    column: int  # of the keyword
    end_line: int  # the last line of the instruction proper (heredoc bodies follow it)
    end_column: int
    heredocs: tuple[Heredoc, ...] = ()

    @property
    def span(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.end_line, self.end_column)

    def flag(self, name: str) -> str | None:
        for flag in self.flags:
            key, _, value = flag.partition("=")
            if key == f"--{name}":
                return value
        return None


@dataclass(frozen=True)
class ParsedDockerfile:
    source: SourceFile
    instructions: tuple[Instruction, ...]

    @property
    def lines(self) -> list[str]:
        return self.source.text.splitlines()


def parse_dockerfile(source: SourceFile) -> ParsedDockerfile:
    """The instructions of a Dockerfile, or a LoadError placed at the line that breaks it."""
    text = source.text
    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as exc:
        line = _error_line(text)
        raise LoadError(source.display, f"Dockerfile syntax error: {exc}", line, 1) from None
    lines = text.splitlines()
    # a line continuation followed by nothing but blank lines is no instruction (BuildKit gives one with no keyword)
    instructions = tuple(_instruction(c, lines) for c in commands if c.cmd is not None)
    seen_from = False
    for instruction in instructions:
        if instruction.keyword not in KNOWN_INSTRUCTIONS:
            raise LoadError(source.display, f"unknown instruction: {instruction.keyword}", instruction.line, instruction.column)
        if instruction.keyword == "FROM":
            seen_from = True
        elif instruction.keyword != "ARG" and not seen_from:
            raise LoadError(source.display, f"{instruction.keyword} before the first FROM: no build stage",
                            instruction.line, instruction.column)
        if instruction.keyword == "FROM" and not instruction.args:
            raise LoadError(source.display, "FROM requires an image", instruction.line, instruction.column)
    if not seen_from:
        raise LoadError(source.display, "no FROM instruction: not a Dockerfile", 1, 1)
    return ParsedDockerfile(source, instructions)


def _instruction(command, lines: list[str]) -> Instruction:
    start = command.start_line
    first = lines[start - 1] if start <= len(lines) else ""
    column = len(first) - len(first.lstrip()) + 1
    text = command.original.split("\n", 1)[0]
    text = text[len(command.cmd):].strip() if text[: len(command.cmd)].upper() == command.cmd.upper() else text
    heredocs = _heredocs(command)
    body_lines = sum(h.content.count("\n") + 1 for h in command.heredocs)  # each body and its terminator
    end = max(command.end_line - body_lines, start)
    last = lines[end - 1] if end <= len(lines) else ""
    placed = []
    line = end + 1
    for heredoc in heredocs:
        placed.append(Heredoc(heredoc.name, heredoc.body, line, heredoc.quoted))
        line += heredoc.body.count("\n") + 1
    return Instruction(
        keyword=command.cmd.upper(), args=tuple(command.value), flags=tuple(command.flags),
        exec_form=bool(command.json), text=text, line=start, column=column, end_line=end,
        end_column=len(last.rstrip()) + 1, heredocs=tuple(placed),
    )


def _heredocs(command) -> list[Heredoc]:
    """Heredocs in the order their markers appear; the parser gives bodies, the words say how."""
    markers = []
    for value in command.value:
        for word in value.split():
            match = _HEREDOC_WORD.match(word)
            if match:
                markers.append((match.group(3), match.group(1) == "-", bool(match.group(2))))
    found = []
    for index, heredoc in enumerate(command.heredocs):
        strip, quoted = (markers[index][1], markers[index][2]) if index < len(markers) else (False, False)
        body = heredoc.content
        if strip:
            body = "".join(line.lstrip("\t") for line in body.splitlines(keepends=True))
        found.append(Heredoc(heredoc.name, body, 0, quoted))
    return found


def _error_line(text: str) -> int:
    """The line where the file stops parsing: one past the longest prefix that parses.

    Parsing prefixes from the end finds the last good place, so an unterminated heredoc is placed
    at its own marker, not at an earlier, complete one.
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > _MAX_LINES_TO_LOCATE:
        return 1
    for end in range(len(lines) - 1, 0, -1):
        try:
            buildkit.parse_string("".join(lines[:end]))
        except buildkit.GoParseError:
            continue
        return end + 1
    return 1


def is_dockerfile(path: Path) -> bool:
    """`Dockerfile`, `Containerfile`, `Dockerfile.gpu`, `Dockerfile_amd` (text-generation-inference's),
    `Dockerfile-cpu` (YOLOv5's), `train.Dockerfile`, and the last in any case (`train.dockerfile`:
    awsome-distributed-training's), as `*.containerfile` (awsome-inference's). `dockerfile.py` is
    Python, `Dockerfile.dockerignore` BuildKit's."""
    name = path.name
    return name in ("Dockerfile", "Containerfile", "dockerfile") or name.lower().endswith((".dockerfile", ".containerfile")) \
        or (name.startswith(tuple(f"{base}{mark}" for base in ("Dockerfile", "Containerfile") for mark in "._-"))
            and not name.endswith((".py", ".md", ".txt", ".sh", ".json", ".yaml", ".yml", ".dockerignore")))
