"""How the summary's classes (ir.py) hash and pickle: compactly, as a few hundred thousand of
them are built from the cache on every run that reads it."""

from __future__ import annotations

from dataclasses import fields


def hash_kept(cls: type) -> None:
    """A symbol keeps its hash once computed (see ir._Hashed)."""
    computed = cls.__hash__  # the dataclass's own, over the compared fields

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = computed(self)
            self._hash = value
            return value

    cls.__hash__ = __hash__  # type: ignore[method-assign]


def rebuilt_by_constructor(cls: type) -> None:
    """Pickle as `cls(*field values)`: the dataclass default for slotted classes sets each field
    through `dataclasses.fields()` on load, which made reading summaries from the cache slower
    than parsing some of them."""
    names = tuple(f.name for f in fields(cls))

    def __reduce__(self):
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
