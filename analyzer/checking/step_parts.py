"""Loops over the parts of one step: a list every caller builds for that step alone.

DomainBed's `update(minibatches)` goes over one (x, y) per training domain, two to five of them,
built by the training loop from a single `next(iterator)`: a loop over them ends with the step,
whatever its names say. A list built from a whole loader (`[b for b in loader]`) is a pass over
the data, and so is a comprehension over `range(len(dataset))`.
"""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.argflow import parameter_index

_COMPREHENSIONS = frozenset({"ListComp", "SetComp", "GeneratorExp"})
_SPREADS = frozenset({"enumerate", "zip", "list", "tuple", "reversed"})  # iterate what they are given
_MAX_HOPS = 3  # names bound to names: `parts = batch_parts` in the caller


def iterates_one_steps_parts(analysis, func_id: str, iterated: ir.Sym) -> bool:
    """Whether the loop iterates only parameters that every call hands a list built for one step:
    written out item by item, or a comprehension over one `next(...)` or over a count."""
    names = _iterated_names(iterated)
    if not names:
        return False
    fn = analysis.functions[func_id]
    for name in names:
        index = parameter_index(fn, name.name) if name.scope == func_id else None
        arguments = analysis.resolver.flow.get((func_id, index), ()) if index is not None else ()
        if not arguments or not all(_built_for_one_step(analysis, argument, 0) for argument in arguments):
            return False
    return True


def _iterated_names(sym: ir.Sym) -> list[ir.Name]:
    """`minibatches` in `enumerate(minibatches)` or `zip(xs, ys)`; nothing for anything else."""
    if isinstance(sym, ir.Name):
        return [sym]
    if isinstance(sym, ir.CallOf) and isinstance(sym.func, ir.Name) and sym.func.name in _SPREADS and sym.args:
        parts = [_iterated_names(arg) for arg in sym.args]
        return [] if any(not part for part in parts) else [name for part in parts for name in part]
    return []


def _built_for_one_step(analysis, sym: ir.Sym, hops: int) -> bool:
    if isinstance(sym, ir.Seq):
        return True  # `[batch_a, batch_b]`: the items are named, so are how many
    if isinstance(sym, ir.Opaque) and sym.kind in _COMPREHENSIONS:
        return len(sym.reads) > 1 and all(_one_item_or_a_count(clause) for clause in sym.reads[1:])
    if isinstance(sym, ir.Name) and hops < _MAX_HOPS:
        _, bindings = analysis.resolver.binding_scope(sym.name, sym.scope)
        return bool(bindings) and all(b.kind == "assign" and _built_for_one_step(analysis, b.value, hops + 1)
                                      for b in bindings)
    return False


def _one_item_or_a_count(sym: ir.Sym) -> bool:
    """`next(iterator)` (one batch of each loader, zipped) or `range(n)`, not `range(len(data))`."""
    if not (isinstance(sym, ir.CallOf) and isinstance(sym.func, ir.Name)):
        return False
    if sym.func.name == "next":
        return True
    return sym.func.name == "range" and not any(
        isinstance(arg, ir.CallOf) and isinstance(arg.func, ir.Name) and arg.func.name == "len" for arg in sym.args)
