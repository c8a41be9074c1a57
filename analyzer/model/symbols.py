"""What an IR symbol is built from: every symbol inside it, walked without recursion (an
expression may nest thousands deep)."""

from __future__ import annotations

from typing import Iterator

from sigcheck.model import ir


def walk(sym: ir.Sym) -> Iterator[ir.Sym]:
    """The symbol and every symbol it is computed from: attribute bases, a call's function and
    arguments, both sides of an operation, the items of a list, an item's container and key, the
    options of a choice and what an expression sigcheck does not model reads."""
    stack = [sym]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ir.Attr):
            stack.append(current.base)
        elif isinstance(current, ir.CallOf):
            stack.extend((current.func, *current.args, *(value for _, value in current.kwargs)))
        elif isinstance(current, ir.BinOp):
            stack.extend((current.left, current.right))
        elif isinstance(current, ir.Seq):
            stack.extend(current.items)
        elif isinstance(current, ir.OneOf):
            stack.extend(current.options)
        elif isinstance(current, ir.Item):
            stack.extend((current.base, current.key))
        elif isinstance(current, ir.Opaque):
            stack.extend(current.reads)
