"""Python's method resolution order (C3 linearisation) over classes whose bases are known."""

from __future__ import annotations

from typing import Callable

from sigcheck.model.values import ClassV, ExternalV

_MAX_MRO = 64  # classes in one MRO that are searched


def linearised(class_id: str, bases_of: Callable[[str], list[ClassV | ExternalV]],
               known: dict[str, list[ClassV | ExternalV]]) -> list[ClassV | ExternalV]:
    """The MRO of a project class, given its direct bases (`bases_of`), kept in `known` with
    those of its bases. Bases are linearised first, without recursion: a chain of a thousand
    subclasses must not exhaust the stack."""
    pending = [class_id]
    while pending:
        current = pending[-1]
        if current in known:
            pending.pop()
            continue
        bases = bases_of(current)
        unordered = [b.class_id for b in bases if isinstance(b, ClassV) and b.class_id not in known
                     and b.class_id not in pending]  # a base already pending: an inheritance cycle
        if unordered:
            pending += unordered
            continue
        pending.pop()
        lines = [known.get(b.class_id, [b]) if isinstance(b, ClassV) else [b] for b in bases]
        merged = _c3_merge([*lines, bases])
        if merged is None:
            merged = list(dict.fromkeys(cls for line in lines for cls in line))
        known[current] = [ClassV(current), *(c for c in merged if c != ClassV(current))][:_MAX_MRO]
    return known[class_id]


def _c3_merge(lines: list[list]) -> list | None:
    """The merge step of C3: repeatedly take the first head that is in no other line's tail."""
    lines = [list(line) for line in lines if line]
    merged = []
    while lines:
        head = next((line[0] for line in lines if not any(line[0] in other[1:] for other in lines)), None)
        if head is None:
            return None  # no consistent order (Python raises TypeError here)
        merged.append(head)
        lines = [rest for rest in (line[1:] if line[0] == head else line for line in lines) if rest]
    return merged
