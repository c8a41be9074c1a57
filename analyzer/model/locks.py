"""Which functions take which lock: `with self._lock:`, `with LOCK:`, `lock.acquire()`.

A signal handler runs in the main thread, between two of its bytecodes. A `with lock:` in the
handler on a lock that is not reentrant waits forever if the main thread was stopped while
holding it: a deadlock is possible only where code the main thread runs outside the handler
takes the same lock. A lock is known by where it is kept (an attribute of a project class, or a
name of a module or function), so that `self._lock` in one method and `checkpointer._lock` in the
training loop are one lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ExternalV, InstanceV

if TYPE_CHECKING:
    from sigcheck.model.resolve import Resolver

LockKey = tuple[str, str]  # (class id, attribute) or (scope id, name)


class LockTakers:
    def __init__(self, functions: dict[str, ir.FunctionInfo], resolver: "Resolver") -> None:
        self.functions = functions
        self.resolver = resolver
        self._takers: dict[LockKey, set[str]] | None = None

    def key(self, sym: ir.Sym) -> LockKey | None:
        """Where the lock `sym` reads is kept; None for what is kept nowhere sigcheck can name."""
        if isinstance(sym, ir.Attr):
            classes = {v.of.class_id for v in self.resolver.resolve(sym.base)
                       if isinstance(v, InstanceV) and isinstance(v.of, ClassV)}
            return (classes.pop(), sym.attr) if len(classes) == 1 else None
        if isinstance(sym, ir.Name):
            owner, bindings = self.resolver.binding_scope(sym.name, sym.scope)
            return (owner.id, sym.name) if owner is not None and bindings else None
        return None

    def library_types(self, sym: ir.Sym) -> list[str]:
        """The library classes the object `sym` reads may be an instance of (threading.Lock)."""
        return [v.of.qualname for v in self.resolver.resolve(sym) if isinstance(v, InstanceV) and isinstance(v.of, ExternalV)]

    def takers(self, key: LockKey) -> set[str]:
        """The functions that take the lock: enter it with `with`, or call its acquire()."""
        if self._takers is None:
            self._takers = {}
            for fn in self.functions.values():
                for event in fn.events:
                    for sym in _taken(event):
                        found = self.key(sym)
                        if found is not None:
                            self._takers.setdefault(found, set()).add(fn.id)
        return self._takers.get(key, set())


def _taken(event: ir.Event) -> tuple[ir.Sym, ...]:
    if isinstance(event, ir.With):
        return tuple(item for item in event.items if isinstance(item, (ir.Attr, ir.Name)))
    if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "acquire":
        return (event.func.base,)
    return ()
