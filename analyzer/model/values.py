"""What a symbol can stand for once the whole project is known."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class ModuleV:
    name: str  # a module of the project


@dataclass(frozen=True, slots=True)
class FunctionV:
    func_id: str
    bound: int = 0  # leading positional parameters already supplied (self, partial arguments)
    bound_keywords: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ClassV:
    class_id: str


@dataclass(frozen=True, slots=True)
class ExternalV:
    """Anything outside the project, known only by its qualified name (`torch.save`)."""

    qualname: str


@dataclass(frozen=True, slots=True)
class InstanceV:
    of: "ClassV | ExternalV"


@dataclass(frozen=True, slots=True)
class SuperV:
    """`super()` inside a method of `class_id`: attributes come from the classes after it in the MRO."""

    class_id: str


@dataclass(frozen=True, slots=True)
class PartialV:
    func: "Value"
    bound: int
    bound_keywords: frozenset[str]


@dataclass(frozen=True, slots=True)
class ConstV:
    value: Any

    def __eq__(self, other: object) -> bool:  # `0 == False`: a value of another type is another value
        return type(other) is ConstV and type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True, slots=True)
class SeqV:
    items: tuple["Value", ...]


@dataclass(frozen=True, slots=True)
class DictV:
    """A dict display's entries; a key sigcheck cannot compute is UNKNOWN and matches any key."""

    entries: tuple[tuple["Value", "Value"], ...]


@dataclass(frozen=True, slots=True)
class UnknownV:
    """Unknown value; `tail` keeps the attribute path seen on it (`x.save` -> "save")."""

    tail: str | None = None


@dataclass(frozen=True, slots=True)
class ConfiguredV(UnknownV):
    """An object a configuration library builds from configuration files (Hydra's
    `instantiate(cfg.callbacks.checkpoint)`): of an unknown class, as any unknown value, but one
    of the classes the project's configuration names (see loading/hydra_configs.py)."""

    by: str = ""  # the library function that built it


Value = Union[ModuleV, FunctionV, ClassV, ExternalV, InstanceV, SuperV, PartialV, ConstV, SeqV, DictV, UnknownV]
UNKNOWN = UnknownV()
