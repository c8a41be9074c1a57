"""Locks a SIGTERM handler may wait for forever: one the main thread can be holding when the
signal comes, because code it runs outside the handler, after the handler is registered, takes
it (SIG003). See model/locks.py for how a lock is known."""

from __future__ import annotations

from sigcheck.checking.registration_conditions import run_after
from sigcheck.model import ir
from sigcheck.model.locks import LockTakers


def held_outside(analysis, locks: LockTakers, event: ir.With, parents, entries, registration) -> str | None:
    """A function the main thread runs outside the handler, after the registration, that takes
    the lock the `with` enters: the main thread may hold it when the signal comes, and the
    handler then waits forever. One it ran only before (a lock taken once at start-up) it
    cannot be holding."""
    keys = [key for item in event.items if (key := locks.key(item)) is not None]
    afters = {}  # entry -> what its main thread runs after the registration, worked out once

    def may_run_after(entry, taker: str, key) -> bool:
        if id(entry) not in afters:
            afters[id(entry)] = run_after(analysis, entry, registration)
        if afters[id(entry)] is None:
            return True  # where the registration comes is not known: it may come first
        at, later = afters[id(entry)]
        return taker in later or any(locks.key(item) == key and (entry.position(taker, e) or -1) > at
                                     for e in analysis.functions[taker].events if isinstance(e, ir.With) for item in e.items)

    return next((taker for key in keys for taker in sorted(locks.takers(key)) if taker not in parents
                 and any(taker in entry.main and may_run_after(entry, taker, key) for entry in entries)), None)
