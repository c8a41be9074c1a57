"""Signal handler registrations, in every spelling: `signal.signal(signal.SIGTERM, h)`,
`sig(15, h)`, `signal.Signals.SIGTERM`, loops over several signals, `loop.add_signal_handler`."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from sigcheck.knowledge import Knowledge
from sigcheck.model import ir
from sigcheck.model.callgraph import CallGraph, CallTarget
from sigcheck.model.values import ConstV, ExternalV, InstanceV, SeqV, Value

SIGTERM = 15
_UNCATCHABLE = {9: "SIGKILL", 19: "SIGSTOP"}


@dataclass(frozen=True)
class HandlerRegistration:
    func_id: str  # the function containing the registration call
    site: ir.CallSite
    api: str  # "signal.signal" or "add_signal_handler"
    signals: frozenset[int] | None  # None when the signal expression is not known
    action: str  # "handler" | "default" | "ignore" | "external" | "unknown"
    handlers: tuple[CallTarget, ...] = ()  # project functions that run on the signal
    external: str | None = None  # e.g. "signal.default_int_handler"
    extra_args: int = 0  # add_signal_handler(sig, callback, *args) passes these to the callback

    @property
    def covers_sigterm(self) -> bool:
        return self.signals is not None and SIGTERM in self.signals

    @property
    def handles_sigterm(self) -> bool:
        """It may install something other than SIG_IGN for SIGTERM (its signals may not be known)."""
        return self.action != "ignore" and (self.covers_sigterm or self.signals is None)

    @property
    def uncatchable(self) -> list[str]:
        return [name for number, name in _UNCATCHABLE.items() if self.signals and number in self.signals]


def find_registrations(graph: CallGraph, knowledge: Knowledge) -> list[HandlerRegistration]:
    found = []
    for fn in graph.project.functions.values():
        if fn.id not in graph.built:
            continue  # never runs: every function that names a registrar is a root (reached.run_roots)
        for event in fn.events:
            if isinstance(event, ir.CallSite):
                registration = _registration(graph, knowledge, fn.id, event)
                if registration is not None:
                    found.append(registration)
    return found


def _registration(graph: CallGraph, knowledge: Knowledge, func_id: str, site: ir.CallSite) -> HandlerRegistration | None:
    names = graph.qualnames(func_id, site)
    if "signal.signal" in names:
        api, extra = "signal.signal", 0
    elif any(fnmatchcase(n, "*.add_signal_handler") for n in names):
        api, extra = "add_signal_handler", max(len(site.args) - 2, 0)
    else:
        return None
    arguments = dict(site.kwargs)
    signal_sym = site.args[0] if site.args else arguments.get("signalnum", arguments.get("sig"))
    handler_sym = site.args[1] if len(site.args) > 1 else arguments.get("handler", arguments.get("callback"))
    signals = signal_numbers(graph.resolver.resolve(signal_sym), knowledge) if signal_sym is not None else None
    action, handlers, external = _action(graph, handler_sym)
    return HandlerRegistration(func_id, site, api, signals, action, handlers, external, extra)


def signal_numbers(values: tuple[Value, ...], knowledge: Knowledge) -> frozenset[int] | None:
    """The signals the values stand for; None where one may be a signal not known. The instance
    of its annotation a parameter stands for (`sig: signal.Signals = signal.SIGTERM`, Megatron's
    DistributedSignalHandler) says only that it is a signal: its default and arguments say which."""
    numbers: set[int] = set()
    declared = False
    for value in values:
        if isinstance(value, SeqV):
            inner = signal_numbers(value.items, knowledge)
            if inner is None:
                return None
            numbers |= inner
        elif isinstance(value, ConstV) and isinstance(value.value, int) and not isinstance(value.value, bool):
            numbers.add(value.value)
        elif isinstance(value, ConstV) and value.value is None:
            continue  # `getattr(signal, name, None)`: signal.signal(None, h) raises, so code that may get None tests it first
        elif isinstance(value, ExternalV) and value.qualname.startswith("signal.") and value.qualname.rsplit(".", 1)[-1] in knowledge.signals:
            numbers.add(knowledge.signals[value.qualname.rsplit(".", 1)[-1]])
        elif isinstance(value, InstanceV) and isinstance(value.of, ExternalV) and value.of.qualname in _SIGNAL_TYPES:
            declared = True
        else:
            return None
    return None if declared and not numbers else frozenset(numbers)


_SIGNAL_TYPES = frozenset({"signal.Signals", "builtins.int"})  # what a parameter that takes a signal is annotated with


def _action(graph: CallGraph, handler_sym: ir.Sym | None) -> tuple[str, tuple[CallTarget, ...], str | None]:
    if handler_sym is None:
        return "unknown", (), None
    values = graph.resolver.resolve(handler_sym)
    handlers: list[CallTarget] = []
    others: set[tuple[str, str | None]] = set()  # the (action, external) of values that are not handlers
    unknown = False
    for value in values:
        if isinstance(value, ExternalV):
            last = value.qualname.rsplit(".", 1)[-1]
            if value.qualname.startswith("signal.") and last == "SIG_IGN":
                others.add(("ignore", value.qualname))
            elif value.qualname.startswith("signal.") and last == "SIG_DFL":
                others.add(("default", value.qualname))
            else:
                others.add(("external", value.qualname))
        elif isinstance(value, ConstV) and type(value.value) is int and value.value in (0, 1):  # by number
            others.add(("default" if value.value == 0 else "ignore", None))
        else:
            found = [t for t in graph.value_targets(value) if t.func_id]
            handlers.extend(found)
            unknown = unknown or not found
    if others and not handlers and not unknown and len({action for action, _ in others}) == 1:
        action, external = min(others, key=lambda o: o[1] or "")
        return action, (), external
    if not handlers or unknown or others:  # several possible actions: not one sigcheck can rely on
        return "unknown", tuple(handlers), None
    return "handler", tuple(handlers), None


def chains_previous(graph: CallGraph, handler_ids: list[str]) -> bool:
    """Whether a handler calls the one installed before it (`previous = signal.getsignal(SIGTERM)`
    when it registers, `previous(signum, frame)` when it runs), as telemetry and launchers that
    add their own handling do: what that one does on a stop, this one does too."""
    resolver = graph.resolver
    for func_id in graph.reach(handler_ids, frozenset({"call"})):
        for event in graph.project.functions[func_id].events:
            if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Name):
                _, bindings = resolver.binding_scope(event.func.name, event.func.scope)
                if any(isinstance(b.value, ir.CallOf) and any(isinstance(v, ExternalV) and v.qualname == "signal.getsignal"
                                                              for v in resolver.resolve(b.value.func))
                       for b in bindings):
                    return True
    return False
