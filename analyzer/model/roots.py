"""Where an expression starts: the variable it is built from, and the function whose code holds it."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.symbols import walk


def root_name(sym: ir.Sym) -> ir.Name | None:
    """The variable an expression starts from (`x.y[0]`, `x.f(a)`: `x`), or None."""
    while isinstance(sym, (ir.Attr, ir.Item, ir.CallOf)):
        sym = sym.func if isinstance(sym, ir.CallOf) else sym.base
    return sym if isinstance(sym, ir.Name) else None


def scope_of(sym: ir.Sym) -> str | None:
    """The function whose code holds the expression (`x.y[0]`, `f(a)`: that of `x`, `f`), or None."""
    root = root_name(sym)
    return root.scope if root is not None else None


def written_in(sym: ir.Sym) -> str | None:
    """The function whose code holds the expression: that of its root (scope_of), else of any
    name it reads (`" ".join(command)`: `command`'s)."""
    return scope_of(sym) or next((s.scope for s in walk(sym) if isinstance(s, ir.Name)), None)
