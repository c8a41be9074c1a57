"""Files a RUN command writes with `printf` or `echo` (`RUN printf '#!/bin/sh\\npython train.py\\n'
> /entry.sh`): their text, where the shell's output is known, so that the launch chain can read
a wrapper script no build-context file holds. The file has no lines of its own in the
Dockerfile: what is found in it is placed on the RUN that writes it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sigcheck.container.shell import ShellCommand


@dataclass(frozen=True)
class Written:
    text: str
    span: tuple[int, int, int, int]  # the RUN that writes it: every line of the file is placed there


def written_text(command: ShellCommand) -> str | None:
    """What `printf` or `echo` writes, or None where it is not known (an expansion, a directive
    other than %s, an escape whose meaning depends on the image's /bin/sh)."""
    words = list(command.words[1:])
    if any(word is None for word in words):
        return None
    if command.name == "printf":
        return _printf(words)
    if command.name == "echo":
        return _echo(words)
    return None


def _printf(words: list[str]) -> str | None:
    if words[:1] == ["--"]:
        words = words[1:]
    if not words or words[0].startswith("-"):  # `printf -v name`: into a variable, not the output
        return None
    form, arguments = words[0], words[1:]
    directives = re.findall(r"%.?", form)
    if any(d not in ("%%", "%s") for d in directives):
        return None
    per_round = directives.count("%s")
    parts = []
    while True:  # the format is used again while arguments are left, as printf does
        taken, arguments = arguments[:per_round], arguments[per_round:]
        parts.append(_formatted(form, taken + [""] * (per_round - len(taken))))
        if not arguments or not per_round:
            return "".join(parts)


def _formatted(form: str, values: list[str]) -> str:
    pending = iter(values)
    pieces = re.split(r"(%%|%s)", form)
    return "".join("%" if p == "%%" else next(pending) if p == "%s" else _unescaped(p) for p in pieces)


def _echo(words: list[str]) -> str | None:
    newline, escapes = True, False
    while words and re.fullmatch(r"-[neE]+", words[0]):
        flags = words.pop(0)
        newline = newline and "n" not in flags
        escapes = flags.rfind("e") > flags.rfind("E")
    text = " ".join(words)
    if "\\" in text and not escapes:
        return None  # dash's echo (Debian's /bin/sh) reads escapes, bash's does not
    if escapes:
        if "\\c" in text:
            return None
        text = _unescaped(text)
    return text + ("\n" if newline else "")


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "r": "\r", "v": "\v",
            '"': '"', "'": "'"}


def _unescaped(text: str) -> str:
    def one(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "01234567":
            return chr(int(code, 8) & 0xFF)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)

    return re.sub(r"\\(0?[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)", one, text, flags=re.DOTALL)
