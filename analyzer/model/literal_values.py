"""The values literals are written for, read from libcst's nodes without compiling each one."""

from __future__ import annotations

import libcst as cst

from sigcheck.model import ir


def literal(node):
    """The value a literal is written for; None where sigcheck cannot rely on it."""
    text = getattr(node, "value", None)
    if type(text) is str and text.isascii():  # the plain cases without libcst's compile() per literal
        if text.isdigit():
            return int(text)
        if text[0] in "'\"" and "\\" not in text and "\r" not in text:
            return text[3:-3] if len(text) >= 6 and text[:3] in ('"""', "'''") else text[1:-1]
    try:
        return node.evaluated_value  # strings; None for f-strings inside a concatenation
    except Exception:  # unusual escapes or prefixes: not a value sigcheck can rely on
        return None


def numbers_in(node) -> tuple[ir.Const, ...]:
    """The numbers arithmetic is written with: `w - 1e-3 * grads` steps by a size written out."""
    found, pending = [], [node]
    while pending:
        current = pending.pop()
        if type(current) in (cst.Integer, cst.Float):
            found.append(ir.Const(literal(current)))
        elif type(current) is cst.BinaryOperation:
            pending.extend((current.left, current.right))
        elif type(current) is cst.UnaryOperation:
            pending.append(current.expression)
    return tuple(found)
