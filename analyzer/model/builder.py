"""One pass over a libcst tree that produces a `ModuleSummary`.

Only what sigcheck needs is recorded: bindings for name resolution, calls, assignments,
reads in conditions, raises, jumps and the structure of loops, branches, try and with.
"""

from __future__ import annotations

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.guards import classify_guard

_FALLBACK_CHILDREN = (cst.BaseExpression, cst.CompFor, cst.CompIf, cst.Arg, cst.Element,
                      cst.DictElement, cst.StarredDictElement, cst.FormattedStringExpression,
                      cst.Index, cst.Slice, cst.SubscriptElement, cst.BaseFormattedStringContent)


def build_summary(module: cst.Module, name: str, path: str, display: str, is_package: bool) -> ir.ModuleSummary:
    body_id = f"{name}:<module>"
    summary = ir.ModuleSummary(name, path, display, is_package, body_id)
    builder = _Builder(summary)
    body = ir.FunctionInfo(body_id, name, "<module>", "module", module, None)
    summary.functions[body_id] = body
    builder.run_body(body, module.body)
    return summary


class _Builder:
    def __init__(self, summary: ir.ModuleSummary) -> None:
        self.summary = summary
        self.fn: ir.FunctionInfo = None  # type: ignore[assignment]
        self.cls: ir.ClassInfo | None = None
        self._lambda_count = 0

    # -- scopes ---------------------------------------------------------------------------

    def run_body(self, fn: ir.FunctionInfo, body) -> None:
        outer_fn, outer_cls = self.fn, self.cls
        self.fn, self.cls = fn, None
        self.block(body)
        self.fn, self.cls = outer_fn, outer_cls

    def emit(self, cls, node, **fields) -> ir.Event:
        event = cls(len(self.fn.events), node, **fields)
        self.fn.events.append(event)
        return event

    def _child_id(self, name: str) -> str:
        if self.cls is not None:
            prefix = self.cls.qualname + "."
        elif self.fn.kind == "module":
            prefix = ""
        else:
            prefix = self.fn.qualname + ".<locals>."
        return prefix + name

    # -- statements -----------------------------------------------------------------------

    def block(self, body) -> None:
        statements = body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite, cst.Module)) else body
        for statement in statements:
            self.statement(statement)

    def statement(self, node) -> None:
        handler = getattr(self, "_s_" + type(node).__name__, None)
        if handler is not None:
            handler(node)
        elif isinstance(node, cst.BaseCompoundStatement):
            for child in node.children:
                if isinstance(child, cst.BaseSuite):
                    self.block(child)
                elif isinstance(child, (cst.BaseExpression, cst.MatchCase)):
                    self._walk(child)

    def _s_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for small in node.body:
            self.statement(small)

    _s_SimpleStatementSuite = _s_SimpleStatementLine

    def _s_Expr(self, node: cst.Expr) -> None:
        self.expr(node.value)

    def _s_Assign(self, node: cst.Assign) -> None:
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target.target, value, node)

    def _s_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value), node)

    def _s_AugAssign(self, node: cst.AugAssign) -> None:
        self.expr(node.value)
        self.emit(ir.Read, node, sym=self.expr(node.target))

    def _s_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.fn.returns.append(self.expr(node.value))
            for sym in self.reads(node.value):
                self.emit(ir.Read, node, sym=sym)
        self.emit(ir.Jump, node, kind="return")

    def _s_Raise(self, node: cst.Raise) -> None:
        exc = self.expr(node.exc) if node.exc is not None else None
        self.emit(ir.Raise, node, exc=exc)

    def _s_Break(self, node) -> None:
        self.emit(ir.Jump, node, kind="break")

    def _s_Continue(self, node) -> None:
        self.emit(ir.Jump, node, kind="continue")

    def _s_Global(self, node: cst.Global) -> None:
        self.fn.globals.update(n.name.value for n in node.names)

    def _s_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.fn.nonlocals.update(n.name.value for n in node.names)

    def _s_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            self.summary.imports.add(dotted)
            if alias.asname is not None:
                self.fn.bind(_as_name(alias), "import", ir.Imported(dotted, None, self.summary.name))
            else:
                top = dotted.split(".")[0]
                self.fn.bind(top, "import", ir.Imported(top, None, self.summary.name))

    def _s_ImportFrom(self, node: cst.ImportFrom) -> None:
        base = self._absolute_from(node)
        if base is None:
            return
        if isinstance(node.names, cst.ImportStar):
            self.summary.imports.add(base)
            self.fn.bind("*", "import", ir.Imported(base, None, self.summary.name))
            return
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else None
            if name is None:
                continue
            self.summary.imports.add(f"{base}.{name}" if base else name)
            self.summary.imports.add(base)
            self.fn.bind(_as_name(alias) or name, "import", ir.Imported(base, name, self.summary.name))

    def _absolute_from(self, node: cst.ImportFrom) -> str | None:
        module = _dotted(node.module) if node.module is not None else ""
        if module is None:
            return None
        level = len(node.relative)
        if level == 0:
            return module
        parts = self.summary.name.split(".")
        if not self.summary.is_package:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return module or None
        parts = parts[: len(parts) - (level - 1)]
        return ".".join(p for p in [*parts, module] if p)

    def _s_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorators = tuple(self.expr(d.decorator) for d in node.decorators)
        qualname = self._child_id(node.name.value)
        fn = ir.FunctionInfo(
            f"{self.summary.name}:{qualname}", self.summary.name, qualname, "function", node,
            self.fn.id, self.cls.id if self.cls else None, decorators=decorators,
            is_async=node.asynchronous is not None,
        )
        self._parameters(fn, node.params)
        self.summary.functions[fn.id] = fn
        if self.cls is not None:
            self.cls.methods[node.name.value] = fn.id
        else:
            self.fn.bind(node.name.value, "def", ir.FuncRef(fn.id))
        outer_cls = self.cls
        self.run_body(fn, node.body)
        self.cls = outer_cls

    def _parameters(self, fn: ir.FunctionInfo, params: cst.Parameters) -> None:
        groups = [("posonly", params.posonly_params), ("pos", params.params)]
        if isinstance(params.star_arg, cst.Param):
            groups.append(("varargs", [params.star_arg]))
        groups.append(("kwonly", params.kwonly_params))
        if params.star_kwarg is not None:
            groups.append(("varkw", [params.star_kwarg]))
        result = []
        for kind, group in groups:
            for param in group:
                index = len(result)
                result.append(ir.Parameter(param.name.value, kind, param.default is not None))
                annotation = self.expr(param.annotation.annotation) if param.annotation else None
                default = self.expr(param.default) if param.default is not None else None
                fn.bind(param.name.value, "param", ir.Param(fn.id, index, annotation, default))
        fn.params = tuple(result)

    def _s_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(self.expr(arg.value) for arg in node.bases)
        for decorator in node.decorators:
            self.expr(decorator.decorator)
        qualname = self._child_id(node.name.value)
        info = ir.ClassInfo(f"{self.summary.name}:{qualname}", self.summary.name, qualname, node, self.fn.id, bases)
        self.summary.classes[info.id] = info
        if self.cls is None:
            self.fn.bind(node.name.value, "class", ir.FuncRef(info.id))
        outer = self.cls
        self.cls = info
        self.block(node.body)  # the class body runs in the enclosing scope at definition time
        self.cls = outer

    def _s_If(self, node: cst.If) -> None:
        test_start = len(self.fn.events)
        reads = self.test(node.test)
        branch = self.emit(ir.Branch, node, test_start=test_start, test_reads=reads, guard=classify_guard(node.test))
        self.block(node.body)
        branch.then_end = len(self.fn.events)
        if isinstance(node.orelse, cst.If):
            self._s_If(node.orelse)
        elif node.orelse is not None:
            self.block(node.orelse.body)
        branch.end = len(self.fn.events)
        if branch.guard == "main":
            self.summary.has_main_guard = True

    def _s_For(self, node: cst.For) -> None:
        iterator = self.expr(node.iter)
        target = self.expr(node.target)
        self.assign(node.target, ir.Item(iterator, ir.Opaque("iteration")), node, kind="for")
        loop = self.emit(ir.Loop, node, kind="for", iter=iterator, target=target)
        self._loop_body(loop, node)

    def _s_While(self, node: cst.While) -> None:
        loop = self.emit(ir.Loop, node, kind="while")
        loop.test_reads = self.test(node.test)
        loop.infinite = _always_true(node.test)
        self._loop_body(loop, node)

    def _loop_body(self, loop: ir.Loop, node) -> None:
        self.block(node.body)
        loop.body_end = len(self.fn.events)
        loop.exits = _body_exits(self.fn.events, loop.index + 1, loop.body_end)
        if node.orelse is not None:
            self.block(node.orelse.body)
        loop.end = len(self.fn.events)

    def _s_Try(self, node) -> None:
        event = self.emit(ir.Try, node)
        self.block(node.body)
        event.body_end = len(self.fn.events)
        clauses = []
        for handler in node.handlers:
            types = ()
            if handler.type is not None:
                value = self.expr(handler.type)
                types = value.items if isinstance(value, ir.Seq) else (value,)
            start = len(self.fn.events)
            if handler.name is not None and isinstance(handler.name.name, cst.Name):
                self.fn.bind(handler.name.name.value, "assign", ir.Opaque("exception"))
            self.block(handler.body)
            clauses.append(ir.ExceptClause(types, start, len(self.fn.events)))
        event.clauses = tuple(clauses)
        start = len(self.fn.events)
        if node.orelse is not None:
            self.block(node.orelse.body)
        event.orelse = (start, len(self.fn.events))
        start = len(self.fn.events)
        if node.finalbody is not None:
            self.block(node.finalbody.body)
        event.final = (start, len(self.fn.events))
        event.end = len(self.fn.events)

    _s_TryStar = _s_Try

    def _s_With(self, node: cst.With) -> None:
        items = []
        for item in node.items:
            value = self.expr(item.item)
            items.append(value)
            if item.asname is not None:
                self.assign(item.asname.name, value, node, kind="with")
        event = self.emit(ir.With, node, items=tuple(items))
        self.block(node.body)
        event.end = len(self.fn.events)

    # -- assignment -----------------------------------------------------------------------

    def assign(self, target, value: ir.Sym, node, kind: str = "assign") -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for position, element in enumerate(target.elements):
                part = value.items[position] if isinstance(value, ir.Seq) and position < len(value.items) else ir.Opaque("unpack")
                self.assign(element.value, part, node, kind)
            return
        if isinstance(target, cst.StarredElement):
            return self.assign(target.value, ir.Opaque("starred"), node, kind)
        if isinstance(target, cst.Name):
            name = target.value
            if name in self.fn.globals and self.fn.kind != "module":
                self.summary.functions[self.summary.body_id].bind(name, kind, value)
                sym = ir.Name(name, self.summary.body_id)
            elif self.cls is not None:  # a class attribute, not a name of the enclosing scope
                self.cls.attributes.setdefault(name, []).append(value)
                sym = ir.Name(name, self.fn.id)
            else:
                self.fn.bind(name, kind, value)
                sym = ir.Name(name, self.fn.id)
        else:
            sym = self.expr(target)
            if isinstance(sym, ir.Attr) and isinstance(sym.base, ir.Name) and sym.base.name == "self":
                owner = self._enclosing_class()
                if owner is not None:
                    owner.attributes.setdefault(sym.attr, []).append(value)
        self.emit(ir.Assign, node, target=sym, value=value)

    def _enclosing_class(self) -> ir.ClassInfo | None:
        class_id = self.fn.class_id
        return self.summary.classes.get(class_id) if class_id else None

    # -- expressions ----------------------------------------------------------------------

    def test(self, node) -> tuple[ir.Sym, ...]:
        self.expr(node)
        return self.reads(node)

    def reads(self, node) -> tuple[ir.Sym, ...]:
        """The names, attributes and items a condition looks at (flags are found among these)."""
        found: list[ir.Sym] = []
        pending = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, (cst.Name, cst.Attribute, cst.Subscript)):
                found.append(self.sym(current))
                if isinstance(current, cst.Attribute):
                    pending.append(current.value)
            elif isinstance(current, cst.Call):
                pending.append(current.func)
                pending.extend(arg.value for arg in current.args)
            elif isinstance(current, cst.UnaryOperation):
                pending.append(current.expression)
            elif isinstance(current, (cst.BooleanOperation, cst.BinaryOperation)):
                pending.extend((current.left, current.right))
            elif isinstance(current, cst.Comparison):
                pending.append(current.left)
                pending.extend(target.comparator for target in current.comparisons)
            elif isinstance(current, cst.NamedExpr):
                pending.append(current.value)
        return tuple(found)

    def sym(self, node) -> ir.Sym:
        """The symbol for an expression, without recording events."""
        if isinstance(node, cst.Name):
            return ir.Name(node.value, self.fn.id)
        if isinstance(node, cst.Attribute):
            return ir.Attr(self.sym(node.value), node.attr.value)
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return ir.Item(self.sym(node.value), self.sym(node.slice[0].slice.value))
        if isinstance(node, (cst.Integer, cst.SimpleString, cst.ConcatenatedString)):
            return ir.Const(_literal(node))
        if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
            return ir.Const({"True": True, "False": False, "None": None}[node.value])
        return ir.Opaque(type(node).__name__)

    def expr(self, node) -> ir.Sym:
        """The symbol for an expression; calls and lambdas inside it become events."""
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return ir.Const({"True": True, "False": False, "None": None}[node.value])
            return ir.Name(node.value, self.fn.id)
        if isinstance(node, cst.Attribute):
            return ir.Attr(self.expr(node.value), node.attr.value)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, (cst.Integer, cst.SimpleString, cst.ConcatenatedString)):
            value = _literal(node)
            if value is None:
                self._walk(node)
                return ir.Opaque("string")
            return ir.Const(value)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return ir.Seq(tuple(self.expr(e.value) for e in node.elements))
        if isinstance(node, cst.Lambda):
            return self._lambda(node)
        if isinstance(node, cst.Subscript):
            base = self.expr(node.value)
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                return ir.Item(base, self.expr(node.slice[0].slice.value))
            self._walk(node.slice)
            return ir.Opaque("subscript")
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
            return ir.Const(-_literal(node.expression))
        if isinstance(node, cst.Await):
            return self.expr(node.expression)
        if isinstance(node, cst.NamedExpr):
            value = self.expr(node.value)
            self.assign(node.target, value, node)
            return value
        self._walk(node)
        return ir.Opaque(type(node).__name__)

    def _walk(self, node) -> None:
        """Record the calls and lambdas inside an expression sigcheck does not model itself."""
        children = node if isinstance(node, (list, tuple)) else node.children
        for child in children:
            if isinstance(child, cst.BaseExpression):
                self.expr(child)
            elif isinstance(child, _FALLBACK_CHILDREN) or isinstance(child, cst.MatchCase):
                self._walk(child)
            elif isinstance(child, cst.BaseSuite):
                self.block(child)

    def _call(self, node: cst.Call) -> ir.Sym:
        func = self.expr(node.func)
        args, kwargs, star = [], [], False
        for arg in node.args:
            value = self.expr(arg.value)
            if arg.star:
                star = True
            elif arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            else:
                args.append(value)
        self.emit(ir.CallSite, node, func=func, args=tuple(args), kwargs=tuple(kwargs), star_args=star)
        return ir.CallOf(func, tuple(args), tuple(kwargs))

    def _lambda(self, node: cst.Lambda) -> ir.Sym:
        self._lambda_count += 1
        qualname = self._child_id(f"<lambda#{self._lambda_count}>") if self.cls is None else f"{self.cls.qualname}.<lambda#{self._lambda_count}>"
        fn = ir.FunctionInfo(f"{self.summary.name}:{qualname}", self.summary.name, qualname, "lambda", node, self.fn.id)
        self._parameters(fn, node.params)
        self.summary.functions[fn.id] = fn
        outer_fn, outer_cls = self.fn, self.cls
        self.fn, self.cls = fn, None
        for sym in self.reads(node.body):
            self.emit(ir.Read, node.body, sym=sym)
        fn.returns.append(self.expr(node.body))
        self.fn, self.cls = outer_fn, outer_cls
        return ir.FuncRef(fn.id)


def _dotted(node) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _as_name(alias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


def _literal(node):
    try:
        if isinstance(node, cst.Integer):
            return node.evaluated_value
        return node.evaluated_value  # strings; None for f-strings inside a concatenation
    except Exception:  # unusual escapes or prefixes: not a value sigcheck can rely on
        return None


def _always_true(test) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return _literal(test) not in (0, None)
    return False


def _body_exits(events, start: int, end: int) -> bool:
    """A break, return or raise that leaves this loop (not one of a nested loop)."""
    index = start
    while index < end:
        event = events[index]
        if isinstance(event, ir.Loop):
            index = max(event.end, index + 1)
            continue
        if isinstance(event, ir.Raise) or (isinstance(event, ir.Jump) and event.kind in ("break", "return")):
            return True
        if isinstance(event, ir.CallSite) and _names_exit(event.func):
            return True
        index += 1
    return False


def _names_exit(func: ir.Sym) -> bool:
    return (isinstance(func, ir.Attr) and func.attr in ("exit", "_exit") and isinstance(func.base, ir.Name)
            and func.base.name in ("sys", "os")) or (isinstance(func, ir.Name) and func.name in ("exit", "quit"))
