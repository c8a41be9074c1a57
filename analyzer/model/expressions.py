"""Expressions as symbols: the half of the summary builder that reads expressions.

Calls and lambdas inside an expression become events of the function being built; everything
else becomes a `Sym` for the resolver. Used as a mixin by `builder._Builder`, which supplies
`fn`, `cls`, `emit`, `assign`, `block`, `_child_id` and `_parameters`.
"""

from __future__ import annotations

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.guards import classify_guard

_FALLBACK_CHILDREN = (cst.BaseExpression, cst.CompFor, cst.CompIf, cst.Arg, cst.Element,
                      cst.DictElement, cst.StarredDictElement, cst.FormattedStringExpression,
                      cst.Index, cst.Slice, cst.SubscriptElement, cst.BaseFormattedStringContent)
_PATH_OPERATORS = {cst.Add: "+", cst.Divide: "/", cst.Modulo: "%"}


class ExpressionBuilder:
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
            elif isinstance(current, (cst.List, cst.Tuple, cst.Set)):  # `return [self.stop]`
                pending.extend(element.value for element in current.elements)
        return tuple(found)

    def sym(self, node) -> ir.Sym:
        """The symbol for an expression, without recording events."""
        if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
            return ir.Const({"True": True, "False": False, "None": None}[node.value])
        if isinstance(node, cst.Name):
            return ir.Name(node.value, self.fn.id)
        if isinstance(node, cst.Attribute):
            return ir.Attr(self.sym(node.value), node.attr.value)
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return ir.Item(self.sym(node.value), self.sym(node.slice[0].slice.value))
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return ir.Const(literal(node))
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
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            value = literal(node)
            if value is None and isinstance(node, cst.ConcatenatedString):  # "a" f"{b}"
                return ir.BinOp("+", self.expr(node.left), self.expr(node.right), self.at(node))
            if value is None:
                self._walk(node)
                return ir.Opaque("string")
            return ir.Const(value, self.at(node))
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _PATH_OPERATORS:
            return ir.BinOp(_PATH_OPERATORS[type(node.operator)], self.expr(node.left), self.expr(node.right), self.at(node))
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return ir.Seq(tuple(self.expr(e.value) for e in node.elements))
        if isinstance(node, cst.Dict):
            return self._dict(node)
        if isinstance(node, cst.Yield):
            return self._yield(node)
        if isinstance(node, cst.Lambda):
            return self._lambda(node)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self._comprehension(node)
        if isinstance(node, cst.Subscript):
            base = self.expr(node.value)
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                return ir.Item(base, self.expr(node.slice[0].slice.value))
            part = node.slice[0].slice if len(node.slice) == 1 else None
            if isinstance(part, cst.Slice) and part.step is None:
                return ir.SliceOf(base, *(self.expr(bound) if bound is not None else None for bound in (part.lower, part.upper)))
            self._walk(node.slice)
            return ir.Opaque("subscript")
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
            return ir.Const(-literal(node.expression))
        if isinstance(node, cst.IfExp):  # `GracefulExit() if args.graceful else None`: its calls are conditional
            test_start = len(self.fn.events)
            reads = self.test(node.test)
            branch = self.emit(ir.Branch, node, test_start=test_start, test_reads=reads, guard=classify_guard(node.test))
            body = self.expr(node.body)
            branch.then_end = len(self.fn.events)
            orelse = self.expr(node.orelse)
            branch.end = len(self.fn.events)
            if branch.end == branch.index + 1:  # no call on either side (most are `a if c else b`): no event
                self.fn.events.pop()
            return ir.OneOf((body, orelse))
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            return ir.OneOf((self.expr(node.left), self.expr(node.right)))  # `args.out or default`
        if isinstance(node, cst.Await):
            return self.expr(node.expression)
        if isinstance(node, cst.NamedExpr):
            value = self.expr(node.value)
            self.assign(node.target, value, node)
            return value
        self._walk(node)
        if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation)):
            return ir.Opaque(type(node).__name__, self.reads(node))
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
        return ir.CallOf(func, tuple(args), tuple(kwargs), self.at(node), star)

    def _dict(self, node: cst.Dict) -> ir.Sym:
        entries = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                entries.append((self.expr(element.key), self.expr(element.value)))
            else:  # `**other`: its entries are not followed
                self.expr(element.value)
        return ir.DictOf(tuple(entries))

    def _yield(self, node: cst.Yield) -> ir.Sym:
        """`yield x` makes the function a generator over x; `yield from xs` over the items of xs."""
        if isinstance(node.value, cst.From):
            self.fn.yields.append(ir.Item(self.expr(node.value.item), ir.Opaque("iteration")))
        else:
            self.fn.yields.append(self.expr(node.value) if node.value is not None else ir.Const(None))
        return ir.Opaque("yield")  # the value the generator's user sends in

    def _fstring(self, node: cst.FormattedString) -> ir.Sym:
        parts: list[ir.Sym] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(ir.Const(part.value, self.at(part)))
            elif isinstance(part, cst.FormattedStringExpression):
                value = self.expr(part.expression)
                self._walk([p for p in (part.format_spec or ()) if isinstance(p, cst.CSTNode)])
                # a conversion or format spec changes the text: the field's value is not its text
                parts.append(value if part.conversion is None and not part.format_spec else ir.Opaque("formatted"))
        return ir.FString(tuple(parts), self.at(node))

    def _comprehension(self, node) -> ir.Sym:
        """`[signal.signal(s, h) for s in SIGNALS]`: each loop variable stands for the items it
        iterates (bound in the enclosing scope: sigcheck does not give comprehensions their own)."""
        clause = node.for_in
        while clause is not None:
            iterator = self.expr(clause.iter)
            self.assign(clause.target, ir.Item(iterator, ir.Opaque("iteration")), node, kind="for")
            for condition in clause.ifs:
                self.expr(condition.test)
            clause = clause.inner_for_in
        if isinstance(node, cst.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)
        return ir.Opaque(type(node).__name__)

    def _lambda(self, node: cst.Lambda) -> ir.Sym:
        self._lambda_count += 1
        qualname = self._child_id(f"<lambda#{self._lambda_count}>") if self.cls is None else f"{self.cls.qualname}.<lambda#{self._lambda_count}>"
        fn = ir.FunctionInfo(f"{self.summary.name}:{qualname}", self.summary.name, qualname, "lambda", self.at(node), self.fn.id)
        self._parameters(fn, node.params)
        self.summary.functions[fn.id] = fn
        outer_fn, outer_cls = self.fn, self.cls
        self.fn, self.cls = fn, None
        for sym in self.reads(node.body):
            self.emit(ir.Read, node.body, sym=sym)
        fn.returns.append(self.expr(node.body))
        self.fn, self.cls = outer_fn, outer_cls
        return ir.FuncRef(fn.id)


def literal(node):
    try:
        if isinstance(node, cst.Integer):
            return node.evaluated_value
        return node.evaluated_value  # strings; None for f-strings inside a concatenation
    except Exception:  # unusual escapes or prefixes: not a value sigcheck can rely on
        return None


def unpacked(items: tuple[ir.Sym, ...] | None, count: int, star: int | None, position: int,
             value: ir.Sym | None = None) -> ir.Sym:
    """What the target at `position` of `count` receives: in `a, *b, c = w, x, y, z`, b gets [x, y].
    From a value that is no display (`trainer, data = builder.create_trainer()`), a target before
    any starred one gets its item, which the resolver finds in the tuple the call returns."""
    if items is None:
        if value is not None and (star is None or position < star):
            return ir.Item(value, ir.Const(position))
        return ir.Opaque("unpack")
    if star is None or position < star:
        return items[position] if position < len(items) else ir.Opaque("unpack")
    after = count - 1 - star  # targets after the starred one
    if len(items) < count - 1:
        return ir.Opaque("unpack")
    if position == star:
        return ir.Seq(items[star: len(items) - after])
    return items[len(items) - (count - position)]
