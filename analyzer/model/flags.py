"""Stop flags: what a handler sets and where the training code looks at it.

A flag is identified by where it lives, not by how it is spelled: ("global", module, name),
("local", scope, name) for a closure variable, ("attr", name) for an attribute of any object
(sigcheck does not tell instances apart), ("item", key) for `state["stop"]`, and
("item", the list's key, index) for `stop[0]`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Iterator

from sigcheck.model import ir
from sigcheck.model.argflow import parameter_index
from sigcheck.model.callgraph import MAIN_THREAD, CallGraph
from sigcheck.model.flag_values import built_from, fresh_for
from sigcheck.model.values import ClassV, ExternalV, FunctionV, InstanceV, ModuleV, UnknownV

FlagKey = tuple


class Flags:
    def __init__(self, graph: CallGraph) -> None:
        self.graph = graph
        self.functions = graph.project.functions
        # Caches of this instance, not of the class: a class-level cache would keep every
        # analysis alive in a long-lived process (the language server).
        self.key = lru_cache(maxsize=None)(self._key)
        self.read_in = lru_cache(maxsize=None)(self._read_in)
        self.tested = lru_cache(maxsize=None)(self._tested)
        self.pollers = lru_cache(maxsize=None)(self._pollers)
        self._by_flag: dict[FlagKey, list[tuple[str, ir.Event]]] | None = None
        self._readers: dict[FlagKey, list[str]] | None = None
        self._following: set[tuple[str, int]] = set()  # parameters whose passed lists are being keyed
        self._getting: set[str] = set()  # property getters being read (one may read another)
        self._bound: dict[str, tuple[dict[str, list[ir.Assign]], list[ir.Loop]]] = {}  # see _assignments
        self._value_reads: dict[tuple[str, int], set[FlagKey]] = {}  # see _assigned_reads
        self._returns: dict[str, frozenset[FlagKey]] = {}  # see _returned_from: asked at every test's call

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
            if isinstance(sym.key.value, str):
                # Keyed by the item's key alone: the dict usually reaches the handler as a parameter
                # or through partial, under another name than the loop uses.
                return ("item", sym.key.value)
            # `stop[0]`: an index says nothing of its own (`fired[0]` is no `sizes[0]`): the list's
            # place does, or that of the one list the callers pass for a parameter
            container = self._container_key(sym.base)
            return ("item", container, sym.key.value) if container is not None else None
        return None

    def _container_key(self, base: ir.Sym) -> FlagKey | None:
        fn = self.functions.get(base.scope) if isinstance(base, ir.Name) else None
        index = parameter_index(fn, base.name) if fn is not None and base.name in fn.bindings else None
        if index is None:
            return self.key(base)
        if (fn.id, index) in self._following:  # `walk(node[0])` inside walk(node): a list handed to itself
            return None
        self._following.add((fn.id, index))
        try:
            passed = {self.key(argument) for argument in self.graph.resolver.flow.get((fn.id, index), ())}
        finally:
            self._following.discard((fn.id, index))
        return passed.pop() if len(passed) == 1 else None

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
            elif isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and not event.args \
                    and any(e.option("called") and self._stops_on(e, event.func.base)
                            for e in self.graph.knowledge.stop_attributes.find(event.func.attr)):
                yield ("library", event.func.attr), event, True  # `run_context.request_stop()`: a hook asks the loop to stop
                continue
            if target is None:
                continue
            key = self.key(target)
            if key is None or _local_to(key, func_id):
                continue
            yield key, event, self._on_library_object(target)

    def _stops_on(self, entry, receiver: ir.Sym) -> bool:
        """Whether a stop method is called on an object it stops a loop of: any, unless the entry
        names its `receivers` (Ignite's `engine.terminate()`, not a Popen's)."""
        classes = entry.option("receivers")
        if not classes:
            return True
        values = self.graph.resolver.resolve(receiver)
        if all(isinstance(v, UnknownV) for v in values):
            return isinstance(receiver, ir.Name) and receiver.name in entry.option("receiver-names", ())
        return any(isinstance(v, InstanceV) and isinstance(v.of, ExternalV) and any(fnmatchcase(v.of.qualname, c) for c in classes)
                   for v in values)

    def _on_library_object(self, target: ir.Sym) -> bool:
        """`trainer.should_stop = True` on a library's object: the library polls it itself. The
        object is known by its type, or by an attribute name libraries poll (knowledge)."""
        if not isinstance(target, ir.Attr):
            return False
        if self.graph.knowledge.stop_attributes.find(target.attr):
            return True
        return any(isinstance(v, InstanceV) and isinstance(v.of, ExternalV) for v in self.graph.resolver.resolve(target.base))

    def reads(self, func_id: str, sym_reads) -> set[FlagKey]:
        keys = set()
        for sym in sym_reads:
            key = self.key(sym)
            if key is not None:
                keys.add(key)
            keys |= self._through_getter(sym)
        return keys

    def _through_getter(self, sym: ir.Sym) -> frozenset[FlagKey]:
        """`if preemption.interrupted:` where `interrupted` is a @property: the flags its getter
        reads (NeMo's PreemptionCallback returns the flag its handler sets so)."""
        if not isinstance(sym, ir.Attr):
            return frozenset()
        found: set[FlagKey] = set()
        for value in self.graph.resolver.resolve(sym.base):
            getter = self.graph.resolver.property_getter(value.of.class_id, sym.attr) \
                if isinstance(value, InstanceV) and isinstance(value.of, ClassV) else None
            if getter is not None and getter not in self._getting:
                self._getting.add(getter)
                try:
                    found |= self.read_in(getter)
                finally:
                    self._getting.discard(getter)
        return frozenset(found)

    def _read_in(self, func_id: str) -> frozenset[FlagKey]:
        """Every flag a function looks at: in conditions, returns and `is_set()` calls."""
        fn = self.functions[func_id]
        syms = []
        for event in fn.events:
            if isinstance(event, ir.Read):
                syms.append(event.sym)
            elif isinstance(event, (ir.Branch, ir.Loop)):
                syms.extend(event.test_reads)
        return frozenset(self._through_locals(func_id, self.reads(func_id, syms)))

    def _through_locals(self, func_id: str, keys: set[FlagKey], test: ir.Branch | ir.Loop | None = None) -> set[FlagKey]:
        """A local looked at stands for what was assigned to it, followed through other locals:
        `got = gather(self.flag); return got`, and the way a distributed job agrees to stop,
        `stop = torch.tensor([int(STOP)]); dist.all_reduce(stop); if stop.item():`. For a `test`,
        only an assignment made afresh before each time it is asked: a copy taken once before
        the loop (`stop = STOP; while not stop:`) never sees the handler's change."""
        fn = self.functions[func_id]
        own = ("global", fn.module) if fn.kind == "module" else ("local", func_id)  # the names it binds
        pending = [key[2] for key in keys if key[:2] == own]
        found = set(keys) | self._items_built(func_id, keys, own, test)
        if not pending:
            return found
        followed = set(pending)
        assigned, loops = self._assignments(fn)
        # `event = handler.shutdown_event` before the loop, `if event.is_set():` in it: a copy of
        # the Event itself, which the handler's set() changes, however long ago it was taken
        shared = {sym.base.name for sym in test.test_reads if isinstance(sym, ir.Attr) and sym.attr in _EVENT_READS
                  and isinstance(sym.base, ir.Name)} if test is not None else set()
        while pending:
            name = pending.pop()
            if isinstance(test, ir.Branch):  # not a loop's: a drain loop a flag cuts short leads nowhere
                found |= self._passed_to(fn, name)
            for event in assigned.get(name, ()):
                if test is None or name in shared or fresh_for(loops, event.index, test):
                    more = self._assigned_reads(func_id, event)
                    found |= more
                    pending += [key[2] for key in more if key[:2] == own and key[2] not in followed]
                    followed.update(pending)
        return found

    def _items_built(self, func_id: str, keys: set[FlagKey], own: tuple, test) -> set[FlagKey]:
        """`flag = [self.stop]; dist.broadcast_object_list(flag); if flag[0]:` (ranks agreeing to
        stop): the item of a list the function builds stands for what that item was built from."""
        found: set[FlagKey] = set()
        for key in keys:
            if key[0] != "item" or len(key) != 3 or not isinstance(key[1], tuple) or key[1][:2] != own:
                continue
            assigned, loops = self._assignments(self.functions[func_id])
            for event in assigned.get(key[1][2], ()):
                if test is not None and not fresh_for(loops, event.index, test):
                    continue
                value = event.value
                if isinstance(value, ir.Seq) and type(key[2]) is int and -len(value.items) <= key[2] < len(value.items):
                    value = value.items[key[2]]
                found |= self.reads(func_id, [s for s in built_from(value) if _may_be_a_flag(s)])
        return found

    def _passed_to(self, fn: ir.FunctionInfo, name: str) -> set[FlagKey]:
        """For a parameter an `if` tests, the flags its callers pass it, through their own locals:
        `save_checkpoint(..., force_save=should_break)` with `should_break` read from the flag,
        then `if ... or force_save:` around the save (DeepLearningExamples' MXNet fit.py). Only
        for a branch: a loop over a queue that also stops at the flag (lerobot's
        `while not queue.empty() and not shutdown_event.is_set():`) ends the drain, not the
        training, and what its caller saves later is no answer to the stop."""
        index = parameter_index(fn, name)
        if index is None or (fn.id, index) in self._following:
            return set()
        self._following.add((fn.id, index))
        try:
            found: set[FlagKey] = set()
            for argument in self.graph.resolver.flow.get((fn.id, index), ()):
                scope = argument.scope if isinstance(argument, ir.Name) else None
                keys = self.reads(scope or fn.id, [argument])
                found |= self._through_locals(scope, keys) if scope in self.functions else keys
            return found
        finally:
            self._following.discard((fn.id, index))

    def _assigned_reads(self, func_id: str, event: ir.Assign) -> set[FlagKey]:
        """The flags an assigned value is computed from, or made under a test of: the same for every
        test that follows it."""
        key = (func_id, event.index)
        found = self._value_reads.get(key)
        if found is None:
            parts = list(built_from(event.value))
            found = self.reads(func_id, (s for s in parts if _may_be_a_flag(s)))
            for call in (part for part in parts if isinstance(part, ir.CallOf)):
                found |= self._returned_by(call)
            # made under a test of a flag, the value carries it: `if STOP: done = True` (EDM's loop; triage BY),
            # `if dist.should_stop(): done = True` (EDM2's, its getter filled in; triage DB)
            for branch in self.functions[func_id].events[:event.index]:
                if isinstance(branch, ir.Branch) and branch.index < event.index < branch.end:
                    found |= self.reads(func_id, branch.test_reads) | self._called_in_test(func_id, branch)
            self._value_reads[key] = found
        return found

    def _returned_by(self, call: ir.CallOf) -> set[FlagKey]:
        """The flags a project function returns, for a value computed by calling it:
        `should_break = handler.should_end()` where should_end returns the flag its handler sets
        (DeepLearningExamples' MXNet fit.py). Only what it returns: a function that only tests
        the flag on its way (a training epoch that polls it) gives back something else."""
        found: set[FlagKey] = set()
        for value in self.graph.resolver.resolve(call.func):
            if isinstance(value, FunctionV) and value.func_id in self.functions:
                found |= self._returned_from(value.func_id)
        return found

    def _returned_from(self, func_id: str) -> frozenset[FlagKey]:
        """The flags a project function's returns are computed from."""
        if func_id in self._returns:
            return self._returns[func_id]
        if func_id in self._getting:
            return frozenset()
        self._getting.add(func_id)
        try:
            fn = self.functions[func_id]
            parts = [part for sym in fn.returns for part in built_from(sym)]
            found = self._through_locals(func_id, self.reads(func_id, [p for p in parts if _may_be_a_flag(p)]))
            # `return self._on_step()` in a base's template method: what the override it runs returns (SB3's callbacks)
            called = {p.func for p in parts if isinstance(p, ir.CallOf)}
            for site in (e for e in fn.events if isinstance(e, ir.CallSite) and e.func in called):
                for target in self.graph.targets(func_id, site):
                    found |= self._returned_from(target.func_id) if target.func_id in self.functions else set()
            if len(self._getting) == 1:  # asked under no other: no answer cut short by a cycle is kept
                self._returns[func_id] = frozenset(found)
            return frozenset(found)
        finally:
            self._getting.discard(func_id)

    def _assignments(self, fn: ir.FunctionInfo) -> tuple[dict[str, list[ir.Assign]], list[ir.Loop]]:
        """A function's assignments to plain names, by name, and its loops: asked for each test
        of a function, a pass over all its events was quadratic in long functions (unsloth's
        thousand-line trainers took seconds)."""
        found = self._bound.get(fn.id)
        if found is None:
            assigned: dict[str, list[ir.Assign]] = {}
            for event in fn.events:
                if isinstance(event, ir.Assign) and isinstance(event.target, ir.Name):
                    assigned.setdefault(event.target.name, []).append(event)
            found = self._bound[fn.id] = (assigned, [event for event in fn.events if isinstance(event, ir.Loop)])
        return found

    def _pollers(self, flags: frozenset[FlagKey]) -> frozenset[str]:
        """The functions that look at one of `flags`, or call (on the main thread) one that does."""
        if self._readers is None:  # once for all flags: a pass over the project per question was quadratic
            self._readers = {}
            for func_id in self.functions:
                for flag in self.read_in(func_id):
                    self._readers.setdefault(flag, []).append(func_id)
        direct = {func_id for flag in flags for func_id in self._readers.get(flag, ())}
        return frozenset(self.graph.reaching(direct, MAIN_THREAD))

    def test_checks(self, func_id: str, event: ir.Branch | ir.Loop, flag: FlagKey) -> bool:
        """Does this branch or while-loop test look at `flag`, itself or through a call?"""
        return flag in self.tested(func_id, event)

    def _tested(self, func_id: str, event: ir.Branch | ir.Loop) -> frozenset[FlagKey]:
        """The flags a branch or while-loop test looks at, itself or through the calls it makes."""
        keys = self._through_locals(func_id, set(self.reads(func_id, event.test_reads)), event)
        return frozenset(keys | self._called_in_test(func_id, event))

    def _called_in_test(self, func_id: str, event: ir.Branch | ir.Loop) -> set[FlagKey]:
        """The flags the calls a test makes look at: `if handler.should_stop():`; `while keep_going():`,
        where only what the call returns decides (an epoch that polls the flag and returns its loss does not)."""
        branch, keys = isinstance(event, ir.Branch), set()
        fn = self.functions[func_id]
        for site in fn.events[event.test_start: event.index] if branch else fn.events[event.index + 1: event.test_end]:
            if isinstance(site, ir.CallSite):
                for target in self.graph.targets(func_id, site):
                    if target.func_id:
                        keys |= (self.read_in(target.func_id) if branch else set()) | self._returned_from(target.func_id)
        return keys

    def tests_by_flag(self) -> dict[FlagKey, list[tuple[str, ir.Event]]]:
        """Every branch and while-loop test in the project, by the flags it looks at, in function
        order: one pass, however many flags are asked about (a pass per flag was quadratic). A
        library callback's `return` that answers whether the loop goes on (see returned_to_loop)
        is such a test too."""
        if self._by_flag is None:
            self._by_flag = {}
            for func_id in sorted(self.functions):
                for event in self.functions[func_id].events:
                    if isinstance(event, (ir.Branch, ir.Loop)):
                        flags = self.tested(func_id, event)
                    elif isinstance(event, ir.Jump) and event.kind == "return" and self.answers_its_loop(func_id):
                        flags = self.returned_to_loop(func_id, event)
                    else:
                        continue
                    for flag in flags:
                        self._by_flag.setdefault(flag, []).append((func_id, event))
        return self._by_flag

    def answers_its_loop(self, func_id: str) -> bool:
        """A method a library's loop calls and goes on only if it returns so (knowledge's
        stop-return): SB3's `BaseCallback._on_step`, xgboost's `TrainingCallback.after_iteration`."""
        fn = self.functions[func_id]
        if fn.class_id is None or not self.graph.knowledge.stop_returns.entries:
            return False
        for cls in self.graph.resolver.mro(fn.class_id)[1:]:
            if isinstance(cls, ExternalV):
                return bool(self.graph.knowledge.stop_returns.find(f"{cls.qualname}.{fn.name}"))
            if fn.name in self.graph.project.classes[cls.class_id].methods:
                return False  # a project base's method: the override that answers the library is that one
        return False

    def returned_to_loop(self, func_id: str, jump: ir.Jump) -> frozenset[FlagKey]:
        """The flags a `return` statement's value looks at (`return not STOP`): its reads come just
        before it, placed on the same statement."""
        events = self.functions[func_id].events
        syms = []
        for event in reversed(events[:jump.index]):
            if not isinstance(event, ir.Read) or event.node != jump.node:
                break
            syms.append(event.sym)
        return frozenset(self._through_locals(func_id, self.reads(func_id, syms)))


_EVENT_READS = frozenset({"is_set", "isSet"})  # threading.Event's and multiprocessing's


def _local_to(key: FlagKey, func_id: str) -> bool:
    """A plain local of the function, or an item of one: gone when it returns, so no flag."""
    if key[0] == "item" and len(key) == 3:
        key = key[1]
    return key[0] == "local" and key[1] == func_id


def _may_be_a_flag(sym: ir.Sym) -> bool:
    """A name, attribute or item a value is computed from; not the item an unpacking takes from
    what a call returns (`a, b = f()`), which is no stored flag."""
    return isinstance(sym, (ir.Name, ir.Attr)) or (isinstance(sym, ir.Item) and not isinstance(sym.base, ir.CallOf))
