"""What a save writes: plain data (a metrics file) or a model's state (a checkpoint)."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.values import ConstV, DictV, SeqV


def is_plain_data(resolver, fn: ir.FunctionInfo, sym: ir.Sym, depth: int = 0) -> bool:
    """Whether what is saved is plain data: by its value, or, where that is not known, by how
    the dict or list written out (there or in a name the function binds once) is made: each
    item a number taken from a tensor (`loss.item()`), a conversion (`float(acc)`, `len(data)`)
    or plain data itself. A model's state is a call to `state_dict()`, a module, or unknown."""
    stored = _filled_in(fn, sym) if depth == 0 else []
    if stored:  # `snapshot = {}`, then `snapshot["trainer/" + k] = v` for each of the trainer's (rlkit's)
        return all(_scalar(value) or is_plain_data(resolver, fn, value, depth + 1) for value in stored)
    if _plain_data(resolver.resolve(sym)):
        return True
    if isinstance(sym, ir.Name) and sym.scope == fn.id and depth == 0:
        bound = fn.bindings.get(sym.name, ())
        return len(bound) == 1 and bound[0].kind == "assign" and is_plain_data(resolver, fn, bound[0].value, depth + 1)
    if isinstance(sym, ir.DictOf) and sym.entries:
        return all(_scalar(value) or is_plain_data(resolver, fn, value, depth + 1) for _, value in sym.entries)
    if isinstance(sym, ir.Seq) and sym.items:
        return all(_scalar(item) or is_plain_data(resolver, fn, item, depth + 1) for item in sym.items)
    return False


_FILLING = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})


def _filled_in(fn: ir.FunctionInfo, sym: ir.Sym) -> list[ir.Sym]:
    """What the function stores into a local it saves: its items assigned, what its methods add."""
    if not isinstance(sym, ir.Name) or sym.scope != fn.id:
        return []
    stored: list[ir.Sym] = []
    for event in fn.events:
        if isinstance(event, ir.Assign) and isinstance(event.target, ir.Item) and _is(event.target.base, sym):
            stored.append(event.value)
        elif isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr in _FILLING \
                and _is(event.func.base, sym):
            stored += [*event.args, *(value for _, value in event.kwargs)]
    return stored


def _is(base: ir.Sym, name: ir.Name) -> bool:
    return isinstance(base, ir.Name) and base.name == name.name and base.scope == name.scope


_CONVERSIONS = frozenset({"float", "int", "len", "round", "str", "bool"})


def _scalar(sym: ir.Sym) -> bool:
    """A number or text taken from a value: `loss.item()`, `float(acc)`, `len(loader)`."""
    if not isinstance(sym, ir.CallOf):
        return False
    func = sym.func
    return (isinstance(func, ir.Attr) and func.attr == "item" and not sym.args) or \
        (isinstance(func, ir.Name) and func.name in _CONVERSIONS)


def _plain_data(values, depth: int = 0) -> bool:
    """Numbers, text, and lists or dicts of them: what a metrics file holds, not a model's state
    (which resolves to a module, a `state_dict()` call's result or something unknown)."""
    if not values or depth > 3:
        return False
    return all(isinstance(v, ConstV) or (isinstance(v, SeqV) and (not v.items or _plain_data(v.items, depth + 1)))
               or (isinstance(v, DictV) and (not v.entries or _plain_data([x for pair in v.entries for x in pair], depth + 1)))
               for v in values)
