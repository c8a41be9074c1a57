"""Stop flags: what a handler sets and where the training code looks at it.

A flag is identified by where it lives, not by how it is spelled: ("global", module, name),
("local", scope, name) for a closure variable, ("attr", name) for an attribute of any object
(sigcheck does not tell instances apart), ("item", key) for `state["stop"]`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph
from sigcheck.model.values import ExternalV, InstanceV, ModuleV

FlagKey = tuple


class Flags:
    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self.functions = graph.project.functions
        # Caches of this instance, not of the class: a class-level cache would keep every
        # analysis alive in a long-lived process (the language server).
        self.key = lru_cache(maxsize=None)(self._key)
        self.read_in = lru_cache(maxsize=None)(self._read_in)

    def _key(self, sym: ir.Sym) -> FlagKey | None:
        if isinstance(sym, ir.Name):
            scope = self._binding_scope(sym.name, sym.scope)
            if scope is None:
                return None
            fn = self.functions[scope]
            return ("global", fn.module, sym.name) if fn.kind == "module" else ("local", scope, sym.name)
        if isinstance(sym, ir.Attr):
            for value in self.graph.resolver.resolve(sym.base):
                if isinstance(value, ModuleV):
                    return ("global", value.name, sym.attr)
            return ("attr", sym.attr)
        if isinstance(sym, ir.Item) and isinstance(sym.key, ir.Const):
            # Keyed by the item's key alone: the dict usually reaches the handler as a parameter
            # or through partial, under another name than the loop uses.
            return ("item", sym.key.value)
        return None

    def _binding_scope(self, name: str, scope: str) -> str | None:
        fn = self.functions.get(scope)
        while fn is not None:
            if name in fn.globals:
                return self.graph.project.modules[fn.module].body_id
            if name in fn.bindings and name not in fn.nonlocals:
                return fn.id
            fn = self.functions.get(fn.parent) if fn.parent else None
        return None

    def written(self, func_id: str) -> Iterator[tuple[FlagKey, ir.Event, bool]]:
        """Flags a function sets: (key, event, on_library_object). Plain locals are not flags."""
        fn = self.functions[func_id]
        for event in fn.events:
            target = None
            if isinstance(event, ir.Assign):
                target = event.target
            elif isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.attr == "set" and not event.args:
                target = event.func.base  # threading.Event().set()
            if target is None:
                continue
            key = self.key(target)
            if key is None or (key[0] == "local" and key[1] == func_id):
                continue
            yield key, event, self._on_library_object(target)

    def _on_library_object(self, target: ir.Sym) -> bool:
        """`trainer.should_stop = True` on a library's object: the library polls it itself. The
        object is known by its type, or by an attribute name libraries poll (knowledge)."""
        if not isinstance(target, ir.Attr):
            return False
        if self.graph.knowledge.stop_attributes.find(target.attr):
            return True
        return any(isinstance(v, InstanceV) and isinstance(v.of, ExternalV) for v in self.graph.resolver.resolve(target.base))

    def reads(self, func_id: str, sym_reads) -> set[FlagKey]:
        return {k for k in (self.key(s) for s in sym_reads) if k is not None}

    def _read_in(self, func_id: str) -> frozenset[FlagKey]:
        """Every flag a function looks at: in conditions, returns and `is_set()` calls."""
        fn = self.functions[func_id]
        syms = []
        for event in fn.events:
            if isinstance(event, ir.Read):
                syms.append(event.sym)
            elif isinstance(event, (ir.Branch, ir.Loop)):
                syms.extend(event.test_reads)
        return frozenset(self.reads(func_id, syms))

    def test_checks(self, func_id: str, event: ir.Branch | ir.Loop, flag: FlagKey) -> bool:
        """Does this branch or while-loop test look at `flag`, itself or through a call?"""
        if flag in self.reads(func_id, event.test_reads):
            return True
        if isinstance(event, ir.Branch):
            fn = self.functions[func_id]
            for site in fn.events[event.test_start: event.index]:
                if isinstance(site, ir.CallSite):
                    for target in self.graph.targets(func_id, site):
                        if target.func_id and flag in self.read_in(target.func_id):
                            return True
        return False
