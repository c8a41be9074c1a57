"""What a string literal holds that a rule looks for, where few projects have any: each module's
summary keeps the marks of its literals (ir.ModuleSummary.literal_marks), so that a rule with
nothing to find in a project skips its walk of every value there (OPT001, OPT002, DRV002)."""

from __future__ import annotations

import re

_PATH_WORDS = frozenset({"opt", "ml"})
# the driver's libraries, folders and commands (knowledge/drivers.toml), not a model's "nvidia/mit-b0"
_DRIVER_WORDS = re.compile(r"libcuda\.so|libnvidia-|/nvidia[-/]|modprobe|insmod|NVIDIA-Linux|nvidia-installer")


def literal_marks(text: str) -> set[str]:
    """What a string literal holds that a rule looks for: "opt" and "ml" as parts of a path and
    "SM_" beginning a variable's name (pieces of a SageMaker path: optml.may_name_opt_ml), and
    "driver" for a name of the NVIDIA driver's libraries, folders or commands (DRV002)."""
    marks: set[str] = set()
    if "opt" in text or "ml" in text:
        marks.update(_PATH_WORDS.intersection(text.split("/")))
    if text.startswith("SM_"):
        marks.add("SM_")
    if _DRIVER_WORDS.search(text):
        marks.add("driver")
    return marks
