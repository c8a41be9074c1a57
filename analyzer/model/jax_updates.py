"""A JAX update written by hand: `grads = jax.grad(loss)(params, x, y)`, then the new parameters
from the old ones and their gradients, `[p - lr * g for p, g in zip(params, grads)]` (JAX's
quickstart, the SageMaker JAX example), `w - lr * dw` after unpacking both, or `w -= lr * dw`. The gradients count
as used (a training step) where one arithmetic expression reads a value taken from the gradients,
one taken from the differentiated argument, and a third name or a number, the step size
(`w - 1e-3 * grads`). A saliency map (`image * grads`) reads the two alone.
"""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.symbols import walk

_GRADIENT_MAKERS = frozenset({"grad", "value_and_grad", "filter_grad", "filter_value_and_grad"})


def updates_by_hand(fn: ir.FunctionInfo) -> bool:
    """Whether the function computes new parameters from a JAX gradient it takes, by hand."""
    calls = [value for event in fn.events if isinstance(event, ir.Assign)
             for value in [_gradient_call(event.value)] if value is not None]
    if not calls:
        return False
    gradients = _derived(fn, {event.target for event in fn.events
                              if isinstance(event, ir.Assign) and _gradient_call(event.value) is not None})
    differentiated = _derived(fn, {call.args[0] for call in calls if call.args and isinstance(call.args[0], ir.Name)})
    expressions = [sym for event in fn.events for root in _syms(event) for sym in walk(root)] + \
        [sym for returned in fn.returns for sym in walk(returned)]
    return any(_steps(sym, gradients, differentiated) for sym in expressions) or any(
        _steps_in_place(event, gradients, differentiated) for event in fn.events if isinstance(event, ir.Update))



def _gradient_call(value: ir.Sym) -> ir.CallOf | None:
    """`jax.grad(f)(params, ...)`, or the item of `jax.value_and_grad(f)(params)` a tuple target takes."""
    while isinstance(value, ir.Item):
        value = value.base
    if isinstance(value, ir.CallOf) and isinstance(value.func, ir.CallOf):
        maker = value.func.func
        name = maker.attr if isinstance(maker, ir.Attr) else maker.name if isinstance(maker, ir.Name) else None
        return value if name in _GRADIENT_MAKERS else None
    return None


def _derived(fn: ir.FunctionInfo, names: set[ir.Sym]) -> set[ir.Sym]:
    """The names and the names assigned from them in the function (`dw, db = grads`, `for p, g in zip(params, grads)`)."""
    found = {name for name in names if isinstance(name, ir.Name)}
    assigns = [event for event in fn.events if isinstance(event, ir.Assign) and isinstance(event.target, ir.Name)]
    grown = True
    while grown:
        grown = False
        for event in assigns:
            if event.target not in found and any(sym in found for sym in walk(event.value)):
                found.add(event.target)
                grown = True
    return found


def _syms(event: ir.Event) -> list[ir.Sym]:
    if isinstance(event, ir.Assign):
        return [event.value]
    if isinstance(event, ir.CallSite):
        return [*event.args, *(value for _, value in event.kwargs)]
    return []


def _steps_in_place(event: ir.Update, gradients: set[ir.Sym], differentiated: set[ir.Sym]) -> bool:
    """`w -= 1e-3 * g`: the differentiated value moved in place by its gradient and a step size."""
    read = set(walk(event.value))
    return event.sym in differentiated and bool(read & gradients) and \
        any(isinstance(sym, ir.Const) or (isinstance(sym, ir.Name) and sym not in gradients) for sym in read)


def _steps(sym: ir.Sym, gradients: set[ir.Sym], differentiated: set[ir.Sym]) -> bool:
    if not (isinstance(sym, ir.Opaque) and sym.kind == "BinaryOperation"):
        return False
    names = {read for read in sym.reads if isinstance(read, ir.Name)}
    step_size = bool(names - gradients - differentiated) or any(isinstance(read, ir.Const) for read in sym.reads)
    return bool(names & gradients) and bool(names & differentiated) and step_size
