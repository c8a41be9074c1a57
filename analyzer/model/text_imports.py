"""Modules and names a run builds from text: `importlib.import_module(path)` with a path the code
spells, and the parts of a known text split at a separator (`path.rsplit(".", 1)`).

ms-swift's TrainerFactory keeps `"swift.trainers.Seq2SeqTrainer"` in a table, splits it at its
last dot, imports the module and takes the class with getattr: each step is followed where its
texts are known, so the trainer the run builds is a class of the project, whose `train()` is a
fit call. The loader reads the modules such texts name (loader._imported_by_name).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import UNKNOWN, ConstV, ExternalV, ModuleV, SeqV, Value

if TYPE_CHECKING:
    from sigcheck.model.resolve import Resolver

_SPLITS = frozenset({"builtins.str.split", "builtins.str.rsplit", "builtins.str.partition", "builtins.str.rpartition"})
_MAX_TEXTS = 16  # texts a value may be: a table of trainers, not every string of a module
# `f"app.{app}.train"` as a pattern of module names: a package's name first, a field for a whole part
_TEMPLATE = re.compile(r"[A-Za-z_]\w*(?:\.(?:[A-Za-z_]\w*|\*))+")


def made_from_text(resolver: "Resolver", func: ExternalV, call: ir.CallOf) -> list[Value] | None:
    """What such a call gives; None for any other call, or one whose texts are not known."""
    if call.star or not call.args:
        return None
    if func.qualname == "importlib.import_module" and len(call.args) == 1 and not call.kwargs:
        return _imported(resolver, call)
    if func.qualname in _SPLITS and isinstance(call.func, ir.Attr):
        return _split(resolver, func.qualname.rsplit(".", 1)[-1], call)
    return None


def _texts(resolver: "Resolver", sym: ir.Sym) -> list[str] | None:
    values = resolver.resolve(sym)
    if not values or len(values) > _MAX_TEXTS or not all(isinstance(v, ConstV) and type(v.value) is str for v in values):
        return None
    return [v.value for v in values]  # type: ignore[union-attr]


def _imported(resolver: "Resolver", call: ir.CallOf) -> list[Value] | None:
    """The project modules the path may name; a library's, or a relative path, is not followed."""
    paths = _texts(resolver, call.args[0])
    if paths is None:  # `f"app.{app}.train"`: the project's modules the pattern stands for (triage CZ)
        template = import_template(call.args[0].parts) if isinstance(call.args[0], ir.FString) else None
        matched = modules_matching(template, resolver.project.modules) if template else []
        return [ModuleV(name) for name in matched] if 0 < len(matched) <= _MAX_TEXTS else None
    importer = call.func.base.scope.split(":", 1)[0] if isinstance(call.func, ir.Attr) and isinstance(call.func.base, ir.Name) \
        else call.func.scope.split(":", 1)[0] if isinstance(call.func, ir.Name) else None
    found: list[Value] = []
    for path in paths:
        module = resolver.project.resolve_import(path, importer) if not path.startswith(".") else None
        found.append(ModuleV(module) if module is not None else UNKNOWN)
    return found


def import_template(parts: tuple[ir.Sym, ...] | list[ir.Sym]) -> str | None:
    """An f-string's module names as a pattern, each field a `*` standing for one part of the name
    (jepa's `f"app.{app}.train"` -> "app.*.train"), where it has fields and reads as one."""
    template = "".join(p.value if isinstance(p, ir.Const) and isinstance(p.value, str) else "*" for p in parts)
    return template if "*" in template and _TEMPLATE.fullmatch(template) else None


def modules_matching(template: str, modules) -> list[str]:
    """The module names (of `modules`) the pattern stands for."""
    pattern = re.compile(re.escape(template).replace(r"\*", r"[^.]+"))
    return sorted(name for name in modules if pattern.fullmatch(name))


def _split(resolver: "Resolver", method: str, call: ir.CallOf) -> list[Value] | None:
    """`text.rsplit(".", 1)`, `text.partition(":")`: the parts, where the text and the separator
    (and the count) are written."""
    texts = _texts(resolver, call.func.base)  # type: ignore[attr-defined]
    arguments = [a.value if isinstance(a, ir.Const) else a for a in (*call.args, *(v for _, v in call.kwargs))]
    if texts is None or not all(isinstance(a, (str, int)) and not isinstance(a, bool) for a in arguments):
        return None
    separator = arguments[0]
    if not isinstance(separator, str) or not separator or (method.endswith("partition") and len(arguments) != 1):
        return None
    count = arguments[1] if len(arguments) > 1 else -1
    if not isinstance(count, int) or len(arguments) > 2:
        return None
    parts = [text.partition(separator) if method == "partition" else text.rpartition(separator) if method == "rpartition"
             else text.split(separator, count) if method == "split" else text.rsplit(separator, count) for text in texts]
    return [SeqV(tuple(ConstV(part) for part in split)) for split in parts]
