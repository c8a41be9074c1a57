"""TensorFlow 1's graph-mode steps: an optimizer's `minimize(loss)` (or `apply_gradients`) builds
an op that applies one update each time a session runs it, so `sess.run(train_op, feed_dict=...)`
is one optimisation step, and `sess.run(loss)` or `sess.run(predictions)` is none. The op is
followed as a value (products.TRAIN_OP) into the fetches a session's run is given: itself, or in
a list, tuple or dict of fetches (`sess.run([train_op, loss])`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.argflow import argument_in
from sigcheck.model.products import TRAIN_OP
from sigcheck.model.values import DictV, SeqV

if TYPE_CHECKING:
    from sigcheck.model.resolve import Resolver


def runs_an_update(resolver: "Resolver", site: ir.CallSite, slots: list[str]) -> bool:
    """Whether the fetches the call is given (in `slots`) hold an op an optimizer built."""
    fetches = argument_in(site, slots)
    if fetches is None:
        return False
    values = list(resolver.resolve(fetches))
    items = [item for value in values if isinstance(value, SeqV) for item in value.items]
    items += [item for value in values if isinstance(value, DictV) for _, item in value.entries]
    return TRAIN_OP in values or TRAIN_OP in items
