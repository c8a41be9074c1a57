"""What a training step does with a tensor's gradient, seen in one event.

A backward pass trains only where its gradients are used. Beside optimizer steps and the calls
the knowledge lists (clipping, `zero_grad`), an update by hand uses them: a tensor rewritten from
its own gradient (`w -= lr * w.grad`, `w.data.add_(w.grad, alpha=-lr)`). A gradient read into
something else is a measurement, not an update: bertology's head importance (`importance +=
mask.grad.abs()`), a saliency map, a logged gradient norm; clearing the probe's gradient between
batches (`mask.grad = None`) is part of such a measurement as much as of a step by hand.
"""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.roots import root_name
from sigcheck.model.symbols import walk


def uses_gradient(event: ir.Event) -> bool:
    """Whether the event updates a tensor from its own gradient."""
    if isinstance(event, ir.Update):
        return _rewrites_from_own_gradient(event.sym, event.value)
    if isinstance(event, ir.Assign):
        return _rewrites_from_own_gradient(event.target, event.value)
    if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr.endswith("_"):
        # an in-place method of a tensor given its own gradient: `w.data.add_(w.grad, alpha=-lr)`
        tensor = event.func.base
        return any(_rewrites_from_own_gradient(tensor, a) for a in [*event.args, *(v for _, v in event.kwargs)])
    return False


def _rewrites_from_own_gradient(target: ir.Sym, value: ir.Sym) -> bool:
    root = root_name(target)
    return root is not None and root in _gradient_owners(value)


def _gradient_owners(sym: ir.Sym) -> set[ir.Name]:
    """The variables whose `.grad` the expression reads (`p` for `p.grad.data`, `lr * w.grad`)."""
    return {root for current in walk(sym) if isinstance(current, ir.Attr) and current.attr == "grad"
            and (root := root_name(current.base)) is not None}
