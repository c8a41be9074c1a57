"""Expressions as symbols: the half of the summary builder that reads expressions.

Calls and lambdas inside an expression become events of the function being built; everything
else becomes a `Sym` for the resolver. Used as a mixin by `builder._Builder`, which supplies
`fn`, `cls`, `emit`, `assign`, `block`, `_child_id` and `_parameters`.
"""

from __future__ import annotations

import re

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.guards import classify_guard
from sigcheck.model.literal_marks import literal_marks
from sigcheck.model.literal_notes import DOTTED, note_literal
from sigcheck.model.literal_values import literal, numbers_in
from sigcheck.model.text_imports import import_template

_FALLBACK_CHILDREN = (cst.BaseExpression, cst.CompFor, cst.CompIf, cst.Arg, cst.Element,
                      cst.DictElement, cst.StarredDictElement, cst.FormattedStringExpression,
                      cst.Index, cst.Slice, cst.SubscriptElement, cst.BaseFormattedStringContent)
# The operations kept as such: those that build paths and text, and the products and powers a
# wait's length is computed with (`time.sleep(0.5 * (attempt + 1))`, `2 ** attempt`)
_KEPT_OPERATORS = {cst.Add: "+", cst.Divide: "/", cst.Modulo: "%", cst.Multiply: "*", cst.Power: "**"}
_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


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
            kind = type(current)
            if kind in _READ:
                found.append(self.sym(current))
                if kind is cst.Attribute:
                    pending.append(current.value)
            elif kind is cst.Call:
                pending.append(current.func)
                pending.extend(arg.value for arg in current.args)
                named = _named_attribute(current)
                if named is not None:  # `getattr(stopper, "requested", False)`: the attribute a handler makes
                    found.append(ir.Attr(self.sym(current.args[0].value), named))
            elif kind is cst.UnaryOperation:
                pending.append(current.expression)
            elif kind is cst.BooleanOperation or kind is cst.BinaryOperation:
                pending.extend((current.left, current.right))
            elif kind is cst.Comparison:
                pending.append(current.left)
                pending.extend(target.comparator for target in current.comparisons)
            elif kind is cst.NamedExpr:
                pending.append(current.value)
            elif kind is cst.SimpleString:  # `"SM_MODEL_DIR" in os.environ`: what the test asks for
                found.append(self.sym(current))
            elif kind in _DISPLAYS:  # `return [self.stop]`
                pending.extend(element.value for element in current.elements)
        return tuple(found)

    def name(self, value: str, scope: str) -> ir.Name:
        """One symbol per name and scope: a method names `self` dozens of times, and each copy
        was pickled, sent and unpickled on its own (a sixth of a summary's objects)."""
        key = (value, scope)
        found = self.names.get(key)
        if found is None:
            found = self.names[key] = ir.Name(value, scope)
        return found

    def sym(self, node) -> ir.Sym:
        """The symbol for an expression, without recording events."""
        kind = type(node)
        if kind is cst.Name:
            if node.value in _CONSTANT_NAMES:
                return ir.Const(_CONSTANT_NAMES[node.value])
            return self.name(node.value, self.fn.id)
        if kind is cst.Attribute:
            return ir.Attr(self.sym(node.value), node.attr.value)
        if kind is cst.Subscript and len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
            return ir.Item(self.sym(node.value), self.sym(node.slice[0].slice.value))
        if kind in _LITERALS:
            value = literal(node)
            self._note_marks(value)
            return ir.Const(value)
        return ir.Opaque(kind.__name__)

    def _note_marks(self, value) -> None:
        if type(value) is str and len(value) < 4096:
            self.summary.literal_marks.update(literal_marks(value))

    def expr(self, node) -> ir.Sym:
        """The symbol for an expression; calls and lambdas inside it become events."""
        # By exact type: libcst's node classes are ABCs, whose isinstance costs a Python call,
        # and a chain of them was a fifth of building a summary. No node class is subclassed.
        handler = _EXPRESSIONS.get(type(node))
        found = handler(self, node) if handler is not None else None
        return found if found is not None else self._unmodelled(node)

    def _unmodelled(self, node) -> ir.Sym:
        """An expression sigcheck has no symbol for: the calls inside it still happen."""
        self._walk(node)
        if type(node) in (cst.BinaryOperation, cst.UnaryOperation):
            return ir.Opaque(type(node).__name__, self.reads(node) + numbers_in(node))
        return ir.Opaque(type(node).__name__)

    def _e_name(self, node: cst.Name) -> ir.Sym:
        if node.value in _CONSTANT_NAMES:
            return ir.Const(_CONSTANT_NAMES[node.value])
        return self.name(node.value, self.fn.id)

    def _e_attribute(self, node: cst.Attribute) -> ir.Sym:
        return ir.Attr(self.expr(node.value), node.attr.value)

    def _e_literal(self, node) -> ir.Sym:
        value = literal(node)
        if value is None and type(node) is cst.ConcatenatedString:  # "a" f"{b}"
            return ir.BinOp("+", self.expr(node.left), self.expr(node.right), self.at(node))
        if value is None:
            self._walk(node)
            return ir.Opaque("string")
        self._note_marks(value)
        if type(value) is str:  # a script, a module or a command a child may run (literal_notes.py)
            note_literal(self.summary, value)
        return ir.Const(value, self.at(node))

    def _e_binary(self, node: cst.BinaryOperation) -> ir.Sym | None:
        operator = _KEPT_OPERATORS.get(type(node.operator))
        if operator is None:
            return None
        return ir.BinOp(operator, self.expr(node.left), self.expr(node.right), self.at(node))

    def _e_sequence(self, node) -> ir.Sym:
        items = tuple(self.expr(e.value) for e in node.elements)
        for option, name in zip(items, items[1:]):  # `[sys.executable, "-m", "pkg.train"]`: a module a child may run
            if isinstance(option, ir.Const) and option.value == "-m" and isinstance(name, ir.Const) \
                    and type(name.value) is str and _MODULE_NAME.fullmatch(name.value):
                self.summary.started_modules.add(name.value)
        return ir.Seq(items)

    def _e_subscript(self, node: cst.Subscript) -> ir.Sym:
        base = self.expr(node.value)
        if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
            return ir.Item(base, self.expr(node.slice[0].slice.value))
        if all(type(element.slice) is cst.Index for element in node.slice):  # `Algorithm[TPolicy, "Params"]`: a tuple key
            return ir.Item(base, ir.Seq(tuple(self.expr(element.slice.value) for element in node.slice)))
        part = node.slice[0].slice if len(node.slice) == 1 else None
        if type(part) is cst.Slice and part.step is None:
            return ir.SliceOf(base, *(self.expr(bound) if bound is not None else None for bound in (part.lower, part.upper)))
        self._walk(node.slice)
        return ir.Opaque("subscript")

    def _e_unary(self, node: cst.UnaryOperation) -> ir.Sym | None:
        if type(node.operator) is cst.Minus and type(node.expression) is cst.Integer:
            return ir.Const(-literal(node.expression))
        return None

    def _e_conditional(self, node: cst.IfExp) -> ir.Sym:
        """`GracefulExit() if args.graceful else None`: its calls are conditional."""
        test_start = len(self.fn.events)
        reads = self.test(node.test)
        branch = self.emit(ir.Branch, node, test_start=test_start, test_reads=reads, guard=classify_guard(node.test))
        body = self.expr(node.body)
        branch.then_end = len(self.fn.events)
        orelse = self.expr(node.orelse)
        branch.end = len(self.fn.events)
        if branch.end == branch.index + 1:  # no call on either side (most are `a if c else b`): no event
            self.fn.events.pop()
        return ir.OneOf((body, orelse), reads)

    def _e_boolean(self, node: cst.BooleanOperation) -> ir.Sym | None:
        if type(node.operator) is cst.Or:  # `args.out or default`
            return ir.OneOf((self.expr(node.left), self.expr(node.right)))
        return None

    def _e_await(self, node: cst.Await) -> ir.Sym:
        return self.expr(node.expression)

    def _e_named(self, node: cst.NamedExpr) -> ir.Sym:
        value = self.expr(node.value)
        self.assign(node.target, value, node)
        return value

    def _walk(self, node) -> None:
        """Record the calls and lambdas inside an expression sigcheck does not model itself."""
        for child in node if isinstance(node, (list, tuple)) else _children(node):
            kind = _CHILD_KINDS.get(type(child))
            if kind is None:
                kind = _CHILD_KINDS[type(child)] = _child_kind(child)
            if kind == _EXPRESSION:
                self.expr(child)
            elif kind == _PART:
                self._walk(child)
            elif kind == _SUITE:
                self.block(child)

    def _call(self, node: cst.Call) -> ir.Sym:
        func = self.expr(node.func)
        args, kwargs, star, unpacked, spreads, unpacking = [], [], False, None, [], False
        for arg in node.args:
            value = self.expr(arg.value)
            if arg.star == "*":
                unpacked = value if not star else None  # a second `*` argument: the tail is not one list
                star = unpacking = True
            elif arg.star:  # `**kwargs` passes keywords, and leaves the positional tail as it was
                star = True
                spreads.append(value)
            elif arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            else:
                unpacked = None  # a plain positional after the `*` one: no longer the tail
                args.append(value)
        if isinstance(func, ir.Attr) and func.attr == "set_defaults":  # argparse: `args.func` is one of these
            for name, value in kwargs:
                self.summary.namespace_defaults.setdefault(name, []).append(value)
        self.emit(ir.CallSite, node, func=func, args=tuple(args), kwargs=tuple(kwargs), star_args=star,
                  unpacked=unpacked, spread=spreads[0] if len(spreads) == 1 else None,
                  positions_kept=star and not unpacking)
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
                self._note_marks(part.value)
                if " " in part.value:  # a command line's words: f"{python} build.py --inplace"
                    note_literal(self.summary, part.value)
                if not parts and part.value.endswith(".") and DOTTED.fullmatch(part.value[:-1]):
                    self.summary.dotted_texts.add(part.value)  # f"proj.steps.{name}": see _e_literal
                parts.append(ir.Const(part.value, self.at(part)))
            elif isinstance(part, cst.FormattedStringExpression):
                value = self.expr(part.expression)
                self._walk([p for p in (part.format_spec or ()) if isinstance(p, cst.CSTNode)])
                # a conversion or format spec changes the text: the field's value is not its text
                parts.append(value if part.conversion is None and not part.format_spec else ir.Opaque("formatted"))
        self.summary.dotted_texts.update(filter(None, [import_template(parts)]))  # f"app.{app}.train": see text_imports
        return ir.FString(tuple(parts), self.at(node))

    def _comprehension(self, node) -> ir.Sym:
        """`[signal.signal(s, h) for s in SIGNALS]`: each loop variable stands for the items it
        iterates (bound in the enclosing scope: sigcheck does not give comprehensions their own)."""
        clause = node.for_in
        iterated = []
        while clause is not None:
            iterator = self.expr(clause.iter)
            iterated.append(iterator)
            self.assign(clause.target, ir.Item(iterator, ir.Opaque("iteration")), node, kind="for")
            for condition in clause.ifs:
                self.expr(condition.test)
            clause = clause.inner_for_in
        if isinstance(node, cst.DictComp):
            self.expr(node.key)
            self.expr(node.value)
            return ir.Opaque("DictComp")
        # What the items are made of (`[Worker.remote() for _ in range(n)]`) first, then what
        # the clauses iterate: how many there are (one step's parts, or a pass over a loader)
        return ir.Opaque(type(node).__name__, (self.expr(node.elt), *iterated))

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


_CONSTANT_NAMES = {"True": True, "False": False, "None": None}
_LITERALS = frozenset((cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString))
_READ = frozenset((cst.Name, cst.Attribute, cst.Subscript))
_DISPLAYS = frozenset((cst.List, cst.Tuple, cst.Set))
_EXPRESSIONS = {
    cst.Name: ExpressionBuilder._e_name,
    cst.Attribute: ExpressionBuilder._e_attribute,
    cst.Call: ExpressionBuilder._call,
    **dict.fromkeys(_LITERALS, ExpressionBuilder._e_literal),
    cst.FormattedString: ExpressionBuilder._fstring,
    cst.BinaryOperation: ExpressionBuilder._e_binary,
    **dict.fromkeys(_DISPLAYS, ExpressionBuilder._e_sequence),
    cst.Dict: ExpressionBuilder._dict,
    cst.Yield: ExpressionBuilder._yield,
    cst.Lambda: ExpressionBuilder._lambda,
    **dict.fromkeys((cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp), ExpressionBuilder._comprehension),
    cst.Subscript: ExpressionBuilder._e_subscript,
    cst.UnaryOperation: ExpressionBuilder._e_unary,
    cst.IfExp: ExpressionBuilder._e_conditional,
    cst.BooleanOperation: ExpressionBuilder._e_boolean,
    cst.Await: ExpressionBuilder._e_await,
    cst.NamedExpr: ExpressionBuilder._e_named,
}

_EXPRESSION, _PART, _SUITE, _OTHER = range(4)  # what _walk does with a child of each node type
_CHILD_KINDS: dict[type, int] = {}


def _child_kind(child) -> int:
    if isinstance(child, cst.BaseExpression):
        return _EXPRESSION
    if isinstance(child, _FALLBACK_CHILDREN) or isinstance(child, cst.MatchCase):
        return _PART
    return _SUITE if isinstance(child, cst.BaseSuite) else _OTHER


# The fields that can hold expressions of the nodes _walk meets most, in the order the code
# writes them: libcst's `children` runs a visitor over every field, whitespace included.
_EXPRESSION_FIELDS = {
    cst.Comparison: ("left", "comparisons"), cst.ComparisonTarget: ("comparator",),
    cst.BinaryOperation: ("left", "right"), cst.BooleanOperation: ("left", "right"),
    cst.UnaryOperation: ("expression",), cst.SubscriptElement: ("slice",), cst.Index: ("value",),
    cst.Slice: ("lower", "upper", "step"), cst.Element: ("value",), cst.StarredElement: ("value",),
}


def _children(node) -> list:
    names = _EXPRESSION_FIELDS.get(type(node))
    if names is None:
        return node.children
    found = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, (list, tuple)):
            found += value
        elif value is not None:
            found.append(value)
    return found


def _named_attribute(call: cst.Call) -> str | None:
    """The attribute `getattr(obj, "name"[, default])` or `hasattr(obj, "name")` reads."""
    if type(call.func) is not cst.Name or call.func.value not in ("getattr", "hasattr") or not 2 <= len(call.args) <= 3 \
            or any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    name = literal(call.args[1].value) if type(call.args[1].value) is cst.SimpleString else None
    return name if isinstance(name, str) and name.isidentifier() else None


def declared_product(value: ir.Sym, declared: ir.Sym | None) -> ir.Sym | None:
    """What a name assigned a call's result stands for: the call, or the declared class's
    instance where the call's result is not known (see ir.Declared)."""
    return ir.Declared(value, declared) if declared is not None and isinstance(value, ir.CallOf) else None


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
