"""Text built from possible values: `%` formatting, `str.format`, and `sep.join(parts)` of a list
written in place or filled with `append` (a command line built piece by piece, SageMaker's
YOLOv5 wrapper: `initialstr.append(" --batch " + str(n))`, then `"".join(initialstr)`).
A mixin of PathTracker, which gives `value` and `_combine`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.roots import scope_of
from sigcheck.model.trace import Point

if TYPE_CHECKING:
    from sigcheck.model.pathvalues import PathValue, Possible


class TextBuilding:
    def _percent(self, func_id, sym: ir.BinOp, left: PathValue, at, depth) -> PathValue:
        items = sym.right.items if isinstance(sym.right, ir.Seq) else (sym.right,)
        values = [self.value(func_id, item, at, depth + 1) for item in items]
        result = []
        for possible in left:
            text = possible.literal
            if text is None:
                continue
            chunks = re.split(r"%[sdr]", text)
            if len(chunks) != len(values) + 1:
                continue
            result.extend(self._fill(chunks, values, possible, Point(func_id, sym.node, "formats the path")))
        return tuple(result)

    def _fill(self, chunks: list[str], values: list[PathValue], template: Possible, point: Point) -> PathValue:
        """The template's literal chunks with each field replaced by its values."""
        from sigcheck.model.pathvalues import Piece, Possible, concat  # the values' module mixes this in

        parts: list[PathValue] = []
        for position, chunk in enumerate(chunks):
            parts.append((Possible((Piece(chunk),), template.trace if position == 0 else ()),))
            if position < len(values):
                parts.append(values[position])
        return self._combine(parts, concat, point)

    def _format(self, func_id, sym: ir.CallOf, base: PathValue, args: list[PathValue], at, depth) -> PathValue:
        keywords = {k: self.value(func_id, v, at, depth + 1) for k, v in sym.kwargs}
        result = []
        for possible in base:
            text = possible.literal
            if text is None:
                continue
            fields = re.findall(r"\{([^{}]*)\}", text)
            chunks = re.split(r"\{[^{}]*\}", text)
            values = []
            for position, name in enumerate(fields):
                if name == "" and position < len(args):
                    values.append(args[position])
                elif name.isascii() and name.isdigit() and int(name) < len(args):
                    values.append(args[int(name)])
                elif name in keywords:
                    values.append(keywords[name])
                else:
                    values.append(())
            result.extend(self._fill(chunks, values, possible, Point(func_id, sym.node, "formats the path")))
        return tuple(result)

    def _joined(self, func_id: str, sym: ir.CallOf, separator: str, at, depth) -> "PathValue":
        """`separator.join(parts)`: the list's items, written or appended before the join, with
        an unknown part for what else may be in it (an `extend`, an item sigcheck cannot list)."""
        from sigcheck.model.pathvalues import UNKNOWN_PART, Piece, Possible, concat  # as in _fill

        items = self._list_items(func_id, sym.args[0], at)
        if not items:
            return ()
        between = (Possible((Piece(separator),)),)
        parts: list = []
        for item in items:
            if parts and separator:
                parts.append(between)
            scope = scope_of(item) if item is not None else None
            here = scope is None or scope == func_id  # a caller's item is read where the caller wrote it
            parts.append(self.value(func_id if here else scope, item, at if here else None, depth + 1)
                         if item is not None else (UNKNOWN_PART,))
        return self._combine(parts, concat, Point(func_id, sym.node, "joins the text"))

    def _list_items(self, func_id: str, sym: ir.Sym, at) -> list[ir.Sym | None]:
        """The items of a list written in place, or of a local name bound once to one, followed by
        what `name.append(x)` adds before `at`, or the list every call passes a parameter; None
        stands for items sigcheck cannot list."""
        if isinstance(sym, ir.Seq):
            return list(sym.items)
        fn = self.functions.get(func_id)
        bindings = fn.bindings.get(sym.name, ()) if fn is not None and isinstance(sym, ir.Name) else ()
        if len(bindings) != 1 or sym.scope != func_id:
            return []
        written = bindings[0].value
        if isinstance(written, ir.Param):  # `" ".join(cmd)` in a helper that every caller hands one list
            passed = self.resolver.flow.get((written.func_id, written.index), ())
            return list(passed[0].items) if len(passed) == 1 and isinstance(passed[0], ir.Seq) else []
        items: list[ir.Sym | None] = list(written.items) if isinstance(written, ir.Seq) else \
            [] if isinstance(written, ir.CallOf) and not written.args and _is_new_list(written) else [None]
        for event in fn.events:
            if at is not None and event.index >= at:
                break
            if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Attr) and event.func.base == sym:
                if event.func.attr == "append" and len(event.args) == 1:
                    items.append(event.args[0])
                elif event.func.attr in ("extend", "insert", "__iadd__"):
                    items.append(None)
        return items


def _is_new_list(call: ir.CallOf) -> bool:
    return isinstance(call.func, ir.Name) and call.func.name == "list"
