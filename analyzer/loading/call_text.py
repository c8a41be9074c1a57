"""Calls read from a launcher's text without parsing it (a notebook's cells are no module): the
call whose parentheses hold a place, its name and its arguments, as written."""

from __future__ import annotations

import re

CALLED = re.compile(r"\b((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*))\s*\($")  # the name before a call's `(`
SPAN = 20_000  # characters a call's arguments may run to
NAME_SPAN = 300  # characters a call's name (dotted, then spaces) may take before its `(`


def commented(text: str, at: int) -> bool:
    return text[text.rfind("\n", 0, at) + 1:at].lstrip().startswith("#")


def enclosing_call(text: str, at: int) -> tuple[re.Match, str] | None:
    """The call whose parentheses hold the place, with its arguments."""
    paren = opening_bracket(text, at)
    call = CALLED.search(text, max(0, paren - NAME_SPAN), paren + 1) if paren is not None else None
    arguments = arguments_from(text, paren + 1) if call is not None else None
    return (call, arguments) if call is not None and arguments is not None else None


def opening_bracket(text: str, end: int, brackets: str = "()") -> int | None:
    """The opening bracket, before `end`, of the call (or dict display) whose arguments hold that place."""
    depth = 0
    for index in range(end - 1, max(-1, end - SPAN), -1):
        char = text[index]
        if char == brackets[1]:
            depth += 1
        elif char == brackets[0]:
            if depth == 0:
                return index
            depth -= 1
    return None


def arguments_from(text: str, start: int, brackets: str = "()") -> str | None:
    """The text between a call's parentheses (the opening one just before `start`)."""
    depth = 1
    for index in range(start, min(len(text), start + SPAN)):
        char = text[index]
        if char == brackets[0]:
            depth += 1
        elif char == brackets[1]:
            depth -= 1
            if depth == 0:
                return text[start:index]
    return None


def top_level(arguments: str) -> str:
    """The arguments with whatever is nested in parentheses left out."""
    kept, depth = [], 0
    for char in arguments:
        depth += char == "("
        if depth == 0:
            kept.append(char)
        depth -= char == ")" and depth > 0
    return "".join(kept)
