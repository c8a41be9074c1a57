"""RUN instructions read as shell: the simple commands they run, placed in the Dockerfile.

Shell form is parsed from the logical line BuildKit gives (continuations joined), a heredoc
(`RUN <<EOF`) from its body, which keeps its own lines; exec form is taken as one command. A RUN
that does not parse is skipped: it is not on the launch chain, and the build reports it anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sigcheck.container.dockerfile import Heredoc, Instruction
from sigcheck.container.shell import ShellCommand, parse_shell
from sigcheck.loading.sources import LoadError

_SHELLS = {"sh", "bash", "dash", "ash", "/bin/sh", "/bin/bash"}
_SHELL_SHEBANGS = ("#!/bin/sh", "#!/bin/bash", "#!/usr/bin/env bash", "#!/usr/bin/env sh", "#!/bin/dash")


@dataclass(frozen=True)
class RunCommand:
    instruction: Instruction
    command: ShellCommand
    heredoc: Heredoc | None = None  # set when the command's span is in file lines already


def run_commands(instruction: Instruction, env: dict[str, str], display: str, cwd: str = "/") -> list[RunCommand]:
    """The simple commands of a RUN, each with its folder (`cwd`: the stage's WORKDIR then)."""
    if instruction.exec_form:
        words = tuple(instruction.args)
        command = ShellCommand(words, instruction.span, " ".join(words), cwd=cwd)
        return [RunCommand(instruction, command)]
    text = instruction.args[0] if instruction.args else ""
    found: list[RunCommand] = []
    first = text.split()[:2]
    runs_body = bool(first) and (first[0].lstrip("0123456789").startswith("<<") or first[0] in _SHELLS)
    for heredoc in instruction.heredocs:
        shell_body = not heredoc.body.startswith("#!") or heredoc.body.startswith(_SHELL_SHEBANGS)
        if runs_body and shell_body:  # `RUN python3 <<EOF` feeds Python, not shell
            found += _parse(instruction, heredoc.body, env, display, heredoc.line - 1, heredoc, cwd)
    if not (first and first[0].lstrip("0123456789").startswith("<<")):
        found += _parse(instruction, re.sub(r"\d*<<-?\s*['\"]?\w+['\"]?", "", text), env, display, 0, None, cwd)
    return found


def _parse(instruction, text, env, display, offset, heredoc, cwd) -> list[RunCommand]:
    try:
        script = parse_shell(text, display, env, None, offset, cwd)
    except LoadError:
        return []
    return [RunCommand(instruction, command, heredoc) for command in script.commands]


def place(run: RunCommand, lines: list[str], needle: str | None = None) -> tuple[int, int, int, int]:
    """The span in the Dockerfile of a RUN command (or of `needle` inside it): a heredoc's lines are
    file lines already; a shell-form command is searched for in the instruction's physical lines."""
    if run.heredoc is not None:
        line, column, end_line, end_column = run.command.span
        if needle:
            text = lines[line - 1] if line <= len(lines) else ""
            at = text.find(needle)
            if at >= 0:
                return (line, at + 1, line, at + 1 + len(needle))
        return (line, column, end_line, end_column)
    instruction = run.instruction
    for target in (needle, (run.command.words[0] or "") if run.command.words else None):
        if not target:
            continue
        for number in range(instruction.line, instruction.end_line + 1):
            text = lines[number - 1] if number <= len(lines) else ""
            at = text.find(target)
            if at >= 0:
                return (number, at + 1, number, at + 1 + len(target))
    return instruction.span
