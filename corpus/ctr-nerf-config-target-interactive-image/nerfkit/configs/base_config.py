"""Configs that know which class they build."""

from dataclasses import dataclass
from typing import Any, Type


@dataclass
class InstantiateConfig:
    """A config whose `setup()` builds the class named by its subclass's `_target`."""

    _target: Type

    def setup(self, **kwargs) -> Any:
        return self._target(self, **kwargs)


@dataclass
class MachineConfig:
    seed: int = 42
    num_devices: int = 1
