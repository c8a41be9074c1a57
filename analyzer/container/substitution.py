"""`$VAR` substitution in Dockerfile instructions, as BuildKit's shell lexer does it at build time.

Supported: `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`,
`${NAME:?msg}`, single and double quotes, and backslash escapes. An unknown variable expands to
the empty string, as in BuildKit; callers that must know (a path) ask `unresolved()` first.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


def expand(word: str, env: dict[str, str]) -> str:
    """One word with quotes removed and variables replaced."""
    out: list[str] = []
    i, n = 0, len(word)
    quote = ""
    while i < n:
        c = word[i]
        if quote == "'":
            if c == "'":
                quote = ""
            else:
                out.append(c)
            i += 1
        elif c == "\\" and i + 1 < n and (not quote or word[i + 1] in '"\\$'):
            out.append(word[i + 1])
            i += 2
        elif c in "'\"" and not quote:
            quote = c
            i += 1
        elif c == '"' and quote == '"':
            quote = ""
            i += 1
        elif c == "$":
            value, i = _variable(word, i, env)
            out.append(value)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def unresolved(word: str, env: dict[str, str]) -> list[str]:
    """Names the word refers to that `env` does not define (single-quoted text excepted)."""
    text = re.sub(r"'[^']*'", "", word)
    return [a or b for a, b in _REFERENCE.findall(text) if (a or b) not in env]


def _variable(word: str, i: int, env: dict[str, str]) -> tuple[str, int]:
    if i + 1 < len(word) and word[i + 1] == "{":
        close = _closing_brace(word, i + 2)
        inner = word[i + 2:close]
        match = _NAME.match(inner)
        if match is None:
            return word[i:close + 1], close + 1
        name, rest = match.group(0), inner[match.end():]
        value = env.get(name)
        if rest[:2] in (":-", ":+", ":?") or rest[:1] in ("-", "+", "?"):
            colon = rest.startswith(":")
            operator = rest[1] if colon else rest[0]
            alternative = expand(rest[2 if colon else 1:], env)
            empty = value is None or (colon and value == "")
            if operator == "-":
                value = alternative if empty else value
            elif operator == "+":
                value = "" if empty else alternative
            # `?` fails the build when unset; the value is what we have
        return value or "", close + 1
    match = _NAME.match(word, i + 1)
    if match is None:
        return "$", i + 1
    return env.get(match.group(0), ""), match.end()


def _closing_brace(word: str, start: int) -> int:
    depth = 1
    for j in range(start, len(word)):
        if word[j] == "{":
            depth += 1
        elif word[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(word) - 1


def split_assignments(words: tuple[str, ...], env: dict[str, str]) -> list[tuple[str, str]]:
    """ENV's pairs as the parser gives them (name, value, name, value, ...), expanded in order:
    a later value sees an earlier name of the same instruction only in BuildKit's new mode, so
    each is expanded against the environment before the instruction."""
    pairs = []
    for k in range(0, len(words) - 1, 2):
        pairs.append((words[k], expand(words[k + 1], env)))
    return pairs


def arg_declarations(words: tuple[str, ...], env: dict[str, str]) -> list[tuple[str, str | None]]:
    """ARG's `NAME` or `NAME=default` words: (name, expanded default or None)."""
    found = []
    for word in words:
        name, eq, default = word.partition("=")
        found.append((name, expand(default, env) if eq else None))
    return found
