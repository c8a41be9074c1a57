"""A throw-away SageMaker-like /opt/ml in a temporary directory, and the SM_* variables naming it.

Only the variables point into the fake root: a script that writes `/opt/ml/model` literally
writes the real path (or fails), which is why OPT001 asks for the variables in the first place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# The areas SageMaker keeps when the job ends (checkpoints/ is synced while it runs); a write
# anywhere else under /opt/ml is lost with the container.
OUTPUT_AREAS = ("model", "checkpoints", "output")
CURRENT_HOST = "algo-1"
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class LayoutError(ValueError):
    pass


@dataclass(frozen=True)
class Channel:
    name: str
    source: Path


@dataclass
class FakeOptMl:
    """The directory tree and environment of one run; `root` stands for /opt/ml."""

    root: Path
    channels: list[Channel] = field(default_factory=list)
    hyperparameters: dict[str, str] = field(default_factory=dict)

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def input_dir(self) -> Path:
        return self.root / "input"

    @property
    def config_dir(self) -> Path:
        return self.input_dir / "config"

    def channel_dir(self, name: str) -> Path:
        return self.input_dir / "data" / name

    def environment(self) -> dict[str, str]:
        """The variables the SageMaker training toolkit sets, plus SM_CHECKPOINT_DIR (sigcheck's own:
        SageMaker names no variable for checkpoint_local_path, whose default is /opt/ml/checkpoints)."""
        env = {
            "SM_MODEL_DIR": str(self.model_dir),
            "SM_OUTPUT_DIR": str(self.output_dir),
            "SM_OUTPUT_DATA_DIR": str(self.output_dir / "data"),
            "SM_OUTPUT_INTERMEDIATE_DIR": str(self.output_dir / "intermediate"),
            "SM_INPUT_DIR": str(self.input_dir),
            "SM_INPUT_CONFIG_DIR": str(self.config_dir),
            "SM_CHECKPOINT_DIR": str(self.checkpoint_dir),
            "SM_CHANNELS": json.dumps(sorted(c.name for c in self.channels)),
            "SM_HPS": json.dumps(self.hyperparameters, sort_keys=True),
            "SM_HOSTS": json.dumps([CURRENT_HOST]),
            "SM_CURRENT_HOST": CURRENT_HOST,
            "SM_NUM_GPUS": "0",
            "SM_NUM_CPUS": str(os.cpu_count() or 1),
        }
        for channel in self.channels:
            env[f"SM_CHANNEL_{channel.name.upper()}"] = str(self.channel_dir(channel.name))
        for key, value in self.hyperparameters.items():
            env[f"SM_HP_{key.upper()}"] = value
        return env


def parse_channel(spec: str) -> Channel:
    """`NAME=DIR` from the command line."""
    name, sep, directory = spec.partition("=")
    if not sep or not _CHANNEL_NAME.match(name):
        raise LayoutError(f"--channel {spec!r}: expected NAME=DIR with a name of letters, digits, '_', '.' or '-'")
    source = Path(directory).expanduser()
    if not source.is_dir():
        raise LayoutError(f"--channel {spec!r}: {directory!r} is not a directory")
    return Channel(name, source)


def parse_hyperparameter(spec: str) -> tuple[str, str]:
    key, sep, value = spec.partition("=")
    if not sep or not key:
        raise LayoutError(f"--hyperparameter {spec!r}: expected KEY=VALUE")
    return key, value


def create_layout(channels: list[Channel] = (), hyperparameters: dict[str, str] | None = None,
                  parent: Path | None = None) -> FakeOptMl:
    """Make the tree in a new temporary directory. Channels are copied, as SageMaker's File mode
    downloads them, so a job that writes into its input never touches the user's data."""
    names = [c.name for c in channels]
    if len(set(names)) != len(names):
        raise LayoutError(f"--channel: a channel name is given twice ({', '.join(sorted(names))})")
    root = Path(tempfile.mkdtemp(prefix="sigcheck-verify-", dir=parent)) / "opt-ml"
    layout = FakeOptMl(root, list(channels), dict(hyperparameters or {}))
    for directory in (layout.model_dir, layout.checkpoint_dir, layout.output_dir / "data",
                      layout.output_dir / "intermediate", layout.config_dir, layout.input_dir / "data"):
        directory.mkdir(parents=True)
    (layout.config_dir / "hyperparameters.json").write_text(json.dumps(layout.hyperparameters, indent=2))
    (layout.config_dir / "resourceconfig.json").write_text(json.dumps(
        {"current_host": CURRENT_HOST, "hosts": [CURRENT_HOST], "network_interface_name": "eth0"}, indent=2))
    (layout.config_dir / "inputdataconfig.json").write_text(json.dumps(
        {c.name: {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"} for c in channels}, indent=2))
    for channel in channels:
        shutil.copytree(channel.source, layout.channel_dir(channel.name), symlinks=True)
    return layout


def remove_layout(layout: FakeOptMl) -> None:
    shutil.rmtree(layout.root.parent, ignore_errors=True)
