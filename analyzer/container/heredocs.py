"""Values held in heredocs: `read -r -d '' CMD <<EOF ... EOF` and `CMD=$(cat <<EOF ... EOF)`, the
bash idioms that keep a long command line readable (OpenRLHF's launch scripts hold
`deepspeed --module $training_commands`'s arguments so). An unquoted delimiter expands the body's
variables and drops each backslash-newline, as bash does; a quoted one (`<<'EOF'`) keeps it as written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigcheck.container.shell import _Reader

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_READ_VALUED = frozenset({"-d", "-p", "-n", "-N", "-t", "-u", "-i"})  # read's options that take a value


def read_from_heredoc(reader: "_Reader", statement) -> tuple[str, str | None] | None:
    """`read [-r] [-d ''] NAME <<EOF`: (NAME, the value it is given, None where a part is unknown)."""
    command = next((c for c in statement.named_children if c.type == "command"), None)
    redirect = next((c for c in statement.named_children if c.type == "heredoc_redirect"), None)
    if command is None or redirect is None:
        return None
    words = [reader.word(c.children[0] if c.type == "command_name" and c.children else c) for c in command.named_children]
    if words[:1] != ["read"]:
        return None
    names, index = [], 1
    while index < len(words):
        word = words[index]
        if word is not None and word.startswith("-") and word != "-":
            index += 2 if word in _READ_VALUED else 1
            continue
        names.append(word)
        index += 1
    if len(names) != 1 or names[0] is None or not _NAME.fullmatch(names[0]):
        return None  # `read a b`: fields split among several names
    return names[0], heredoc_text(reader, redirect)


def substituted_heredoc(reader: "_Reader", substitution) -> str | None:
    """The text `$(cat <<EOF ... EOF)` gives, where it is only that."""
    inner = [c for c in substitution.named_children]
    if len(inner) != 1 or inner[0].type != "redirected_statement":
        return None
    command = next((c for c in inner[0].named_children if c.type == "command"), None)
    redirect = next((c for c in inner[0].named_children if c.type == "heredoc_redirect"), None)
    if command is None or redirect is None or reader.text(command).strip() != "cat":
        return None
    text = heredoc_text(reader, redirect)
    return None if text is None else text.rstrip("\n")  # a substitution drops the trailing newlines


def heredoc_text(reader: "_Reader", redirect) -> str | None:
    body = next((c for c in redirect.named_children if c.type == "heredoc_body"), None)
    start = next((c for c in redirect.named_children if c.type == "heredoc_start"), None)
    if body is None:
        return ""
    if start is not None and reader.text(start)[:1] in ("'", '"'):
        return reader.text(body)
    parts, at = [], body.start_byte
    for child in body.named_children:
        if child.type in ("simple_expansion", "expansion", "command_substitution", "arithmetic_expansion"):
            value = reader.word(child)
            if value is None or "\0" in value:  # unknown, or "$@"
                return None
            parts += [reader.source[at:child.start_byte].decode("utf-8", "replace"), value]
            at = child.end_byte
    parts.append(reader.source[at:body.end_byte].decode("utf-8", "replace"))
    return "".join(parts).replace("\\\n", "")
