"""Folders a module puts on its import path itself: `sys.path.insert(0, os.path.dirname(
os.path.dirname(os.path.abspath(__file__))))`, `sys.path.append(str(Path(__file__).parents[1]))`.
A script run from a subfolder of a larger repository (insightface's arcface_paddle/tools/train.py,
whose `from dynamic.train import train` is found only so) imports from there. Only paths spelled
from `__file__` are followed: the working folder a script is started in is not known."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from sigcheck.model import ir

_SAME = frozenset({"abspath", "realpath", "normpath", "resolve", "absolute", "str", "fspath", "Path", "PurePath"})


def added_folders(summary: ir.ModuleSummary, path: Path) -> list[Path]:
    """The folders the module's `sys.path.insert`/`append` calls add, as paths."""
    if "sys" not in summary.imports:  # most modules: no pass over their events
        return []
    found = []
    for fn in summary.functions.values():
        for event in fn.events:
            added = _added(event)
            folder = _path_of(added, path) if added is not None else None
            if folder is not None:
                found.append(Path(os.path.normpath(folder)))
    return list(dict.fromkeys(found))


def _added(event: ir.Event) -> ir.Sym | None:
    if not isinstance(event, ir.CallSite) or not isinstance(event.func, ir.Attr):
        return None
    target = event.func.base
    if not (isinstance(target, ir.Attr) and target.attr == "path" and isinstance(target.base, ir.Name)
            and target.base.name == "sys"):
        return None
    if event.func.attr == "insert" and len(event.args) == 2:
        return event.args[1]
    return event.args[0] if event.func.attr == "append" and len(event.args) == 1 else None


def _path_of(sym: ir.Sym, file: Path, depth: int = 0) -> str | None:
    """The path a value spelled from `__file__` stands for; None for anything else."""
    if depth > 12:
        return None
    if isinstance(sym, ir.Name):
        return str(file) if sym.name == "__file__" else None
    if isinstance(sym, ir.Attr) and sym.attr == "parent":
        inner = _path_of(sym.base, file, depth + 1)
        return os.path.dirname(inner) if inner is not None else None
    if isinstance(sym, ir.Item) and isinstance(sym.base, ir.Attr) and sym.base.attr == "parents" \
            and isinstance(sym.key, ir.Const) and type(sym.key.value) is int and sym.key.value >= 0:
        inner = _path_of(sym.base.base, file, depth + 1)
        for _ in range((sym.key.value + 1) if inner is not None else 0):
            inner = os.path.dirname(inner)
        return inner
    if isinstance(sym, ir.BinOp) and sym.op == "/":  # `Path(__file__).parent / ".."`
        return _joined(sym.left, (sym.right,), file, depth)
    if not isinstance(sym, ir.CallOf):
        return None
    name = _called_name(sym.func)
    if name in _SAME and len(sym.args) == 1:
        return _path_of(sym.args[0], file, depth + 1)
    if name in ("resolve", "absolute") and not sym.args and isinstance(sym.func, ir.Attr):
        return _path_of(sym.func.base, file, depth + 1)
    if name == "dirname" and len(sym.args) == 1:
        inner = _path_of(sym.args[0], file, depth + 1)
        return os.path.dirname(inner) if inner is not None else None
    if name == "join" and sym.args:
        return _joined(sym.args[0], sym.args[1:], file, depth)
    return None


def _joined(base: ir.Sym, parts: tuple[ir.Sym, ...], file: Path, depth: int) -> str | None:
    inner = _path_of(base, file, depth + 1)
    texts = list(_texts(parts))
    return os.path.join(inner, *texts) if inner is not None and len(texts) == len(parts) else None


def _texts(parts: tuple[ir.Sym, ...]) -> Iterator[str]:
    for part in parts:
        if isinstance(part, ir.Const) and isinstance(part.value, str):
            yield part.value


def _called_name(func: ir.Sym) -> str | None:
    if isinstance(func, ir.Attr):
        return func.attr
    return func.name if isinstance(func, ir.Name) else None
