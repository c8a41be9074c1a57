"""Calls that can hold a SIGTERM handler up until SIGKILL: the knowledge's blocking calls
(knowledge/blocking.toml), less pauses of known length, and `with` on a lock (SIG003)."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.argflow import argument_in
from sigcheck.model.values import ExternalV, InstanceV


def blocking_events(analysis, func_id: str, skipped, deadline: int):
    """The events of a function a SIGTERM handler reaches that can block until SIGKILL, with how
    a message names each (`skipped`: those the handler's run never reaches)."""
    fn = analysis.functions[func_id]
    for event in fn.events:
        if event.index in skipped:
            continue
        if isinstance(event, ir.Loop) and event.infinite and not event.exits:
            yield event, "a `while True` loop with no exit"
        elif isinstance(event, ir.With):
            entered = next((kind for kind in _entered(analysis, event)
                            if analysis.knowledge.blocking.find(f"{kind}.__enter__")), None)
            if entered is not None:
                yield event, f"`with` on a `{entered}`"
        elif isinstance(event, ir.CallSite):
            for name in analysis.graph.qualnames(func_id, event, project=True):
                entries = analysis.knowledge.blocking.find(name)
                if name not in analysis.graph.qualnames(func_id, event):
                    entries = [e for e in entries if e.source == "configuration"]
                shown = f"`{name.replace('?.', '.')}()`"
                if any(_applies(entry, event) and not _a_pause(analysis, fn, event, entry, deadline) for entry in entries):
                    yield event, shown
                    break
                bound = next((b for entry in entries if (b := _bound_past(analysis, event, entry, deadline)) is not None), None)
                if bound is not None:
                    yield event, f"{shown} with a {bound:g} s timeout"
                    break


def _entered(analysis, event: ir.With) -> list[str]:
    """The library types a `with` statement enters an object of (`with lock:` on a threading.Lock)."""
    return [value.of.qualname for item in event.items for value in analysis.graph.resolver.resolve(item)
            if isinstance(value, InstanceV) and isinstance(value.of, ExternalV)]


def _a_pause(analysis, fn: ir.FunctionInfo, site: ir.CallSite, entry, deadline: int) -> bool:
    """A wait of known length (`time.sleep(0.5)`, three retries a second apart, a poll until a
    deadline on the clock) that takes at most a tenth of the deadline: the stop goes on after it."""
    length = argument_in(site, entry.option("length", []))
    if length is None:
        return False
    longest = analysis.waits.longest(fn, site, length)
    return longest is not None and longest <= deadline / 10


def _bound_past(analysis, site: ir.CallSite, entry, deadline: int) -> float | None:
    """The timeout of a wait given one (`bounded-by`) that may run to the deadline: `proc.wait(timeout=60)`
    under Kubernetes' 30 s (prime-rl's launcher, forwarding the stop). A shorter bound is left alone,
    however many rounds of it a loop may take: a bounded wait mostly ends early."""
    limit = entry.option("max-positional")
    bound = argument_in(site, entry.option("bounded-by", [])) if limit is None or len(site.args) <= limit else None
    if bound is None or (isinstance(bound, ir.Const) and bound.value is None):
        return None
    shortest = analysis.waits.shortest(bound)
    return shortest if shortest is not None and shortest >= deadline else None


def _applies(entry, site: ir.CallSite) -> bool:
    limit = entry.option("max-positional")
    if limit is not None and len(site.args) > limit:
        return False
    keywords = dict(site.kwargs)
    for keyword in [*entry.option("unless-keyword", []), *entry.option("bounded-by", [])]:
        value = keywords.get(keyword)
        if value is not None and not (isinstance(value, ir.Const) and value.value is None):
            return False
    return True
