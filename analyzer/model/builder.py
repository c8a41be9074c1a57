"""One pass over a libcst tree that produces a `ModuleSummary`.

Only what sigcheck needs is recorded: bindings for name resolution, calls, assignments,
reads in conditions, raises, jumps and the structure of loops, branches, try and with.
"""

from __future__ import annotations

from array import array
from typing import Callable

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.annotations import annotated_class, annotated_items, class_param_made
from sigcheck.model.assignments import AssignmentBuilder
from sigcheck.model.expressions import ExpressionBuilder, declared_product
from sigcheck.model.guards import classify_guard
from sigcheck.model.imports import ImportBuilder
from sigcheck.model.loops import always_true, body_exits
from sigcheck.model.spans import node_spans


# Decorators whose results are chained (`@a @b def f` is a(b(f))); above them, the chain stops:
# hundreds of stacked decorators would nest symbols deeper than Python can hash them.
_MAX_DECORATORS = 16


def build_summary(module: cst.Module, name: str, path: str, display: str, is_package: bool,
                  spans: bool = True, spanner: Spanner | None = None) -> ir.ModuleSummary:
    """The summary, and (with `spans`) the spans of the nodes it names: the tree is not needed
    afterwards. Without them, the spans are worked out again from the text if a report needs
    them (`Positions`): they cost more than the rest of the summary, and a run over many
    files reports in few of them. `spanner` works them out instead of a code generation over
    the whole module: from a tree parsed by parts (loading/segments.py)."""
    body_id = f"{name}:<module>"
    summary = ir.ModuleSummary(name, path, display, is_package, body_id)
    builder = _Builder(summary, module)
    body = ir.FunctionInfo(body_id, name, "<module>", "module", 0, None)
    summary.functions[body_id] = body
    builder.run_module(body, module.body)
    first = _first_code_statement(module)
    if first is not None:
        builder.top = next(index for index, statement in enumerate(module.body) if statement is first)
    summary.first_code_node = builder.at(first) if first is not None else None
    if spans:
        summary.spans = spanner(builder.nodes, builder.tops) if spanner else node_spans(module, builder.nodes)
    return summary


# Spans of the summary's nodes, given them and each one's top-level statement (-1: the module).
Spanner = Callable[[list, list], array]


class _Builder(ImportBuilder, AssignmentBuilder, ExpressionBuilder):
    def __init__(self, summary: ir.ModuleSummary, module: cst.Module) -> None:
        self.summary = summary
        self.nodes: list[cst.CSTNode] = [module]  # node ids index this; 0 is the module
        self._ids: dict[int, int] = {id(module): 0}
        self.tops: list[int] = [-1]  # for each node, the top-level statement it is in
        self.top = -1
        self.fn: ir.FunctionInfo = None  # type: ignore[assignment]
        self.cls: ir.ClassInfo | None = None
        self._lambda_count = 0
        self.declared: dict[tuple[str, str], ir.Sym] = {}  # (scope, name) -> the class its annotation declares
        self.names: dict[tuple[str, str], ir.Name] = {}  # see ExpressionBuilder.name
        self.type_checking_only = False  # inside `if TYPE_CHECKING:`, which never runs

    # -- scopes ---------------------------------------------------------------------------

    def run_module(self, fn: ir.FunctionInfo, statements) -> None:
        self.fn = fn
        for index, statement in enumerate(statements):
            self.top = index
            self.statement(statement)

    def run_body(self, fn: ir.FunctionInfo, body) -> None:
        outer_fn, outer_cls = self.fn, self.cls
        self.fn, self.cls = fn, None
        self.block(body)
        self.fn, self.cls = outer_fn, outer_cls

    def at(self, node) -> int:
        """The id of a node the summary refers to (its span is computed when the walk is done)."""
        key = id(node)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.nodes)
            self.nodes.append(node)
            self.tops.append(self.top)
        return found

    def emit(self, cls, node, **fields) -> ir.Event:
        event = cls(len(self.fn.events), self.at(node), **fields)
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
            declared = self.declared.get((self.fn.id, target.target.value)) if type(target.target) is cst.Name else None
            self.assign(target.target, value, node, bound=declared_product(value, declared))

    def _s_AnnAssign(self, node: cst.AnnAssign) -> None:
        """`trainer: Trainer | None = None` declares the name's class for the whole scope: a
        factory's product assigned to it, here or later (`trainer = config.build()`), is known
        by that class where the factory is not."""
        declared = annotated_class(node.annotation.annotation)
        declared = self.expr(declared) if declared is not None else None
        if declared is not None and type(node.target) is cst.Name and self.cls is None:
            self.declared[(self.fn.id, node.target.value)] = declared
        items = annotated_items(node.annotation.annotation)
        items = ir.Seq((ir.Declared(ir.Opaque("declared"), self.expr(items)),)) if items is not None else None
        if node.value is None:  # `self.process: List[BaseProcess]` in __init__: what the instance's attribute holds
            self._declare_attribute(node.target, items or (ir.Declared(ir.Opaque("declared"), declared) if declared else None))
            return
        value = self.expr(node.value)
        bound = ir.OneOf((value, items)) if items is not None else declared_product(value, declared)
        self.assign(node.target, value, node, bound=bound)

    def _declare_attribute(self, target, declared: ir.Sym | None) -> None:
        """An attribute of `self` annotated with no value, in a method or in the class body
        (`training_loop: TrainingLoopBase`, set later by pytorch3d's run_auto_creation): its
        class's attribute holds what the annotation declares, where what is stored in it is not
        known (a plugin's class)."""
        if declared is not None and self.cls is not None and type(target) is cst.Name:
            self.cls.attributes.setdefault(target.value, []).append(declared)
            return
        if declared is None or type(target) is not cst.Attribute or type(target.value) is not cst.Name \
                or target.value.value != "self":
            return
        owner = self._enclosing_class()
        if owner is not None:
            owner.attributes.setdefault(target.attr.value, []).append(declared)

    def _s_AugAssign(self, node: cst.AugAssign) -> None:
        value = self.expr(node.value)
        self.emit(ir.Update, node, sym=self.expr(node.target), value=value)

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

    def _s_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorators = tuple(self.expr(d.decorator) for d in node.decorators)
        qualname = self._child_id(node.name.value)
        fn = ir.FunctionInfo(
            self._unique_id(qualname), self.summary.name, qualname, "function", self.at(node),
            self.fn.id, self.cls.id if self.cls else None, decorators=decorators,
            is_async=node.asynchronous is not None,
        )
        self._parameters(fn, node.params)
        made = class_param_made(node)
        if made is not None:  # `def resolve(self, kls: type[T]) -> T`: an instance of the class it is handed
            fn.returns.append(ir.CallOf(ir.Name(made, fn.id)))
        self.summary.functions[fn.id] = fn
        value: ir.Sym = ir.FuncRef(fn.id)
        for depth, (decorator, sym) in enumerate(reversed(list(zip(node.decorators, decorators)))):  # bottom-up
            self.emit(ir.CallSite, decorator, func=sym, args=(value,), decorator=True)
            if depth < _MAX_DECORATORS:
                value = ir.Decorated(sym, value)  # each decorator is handed what the one below returned
        if self.cls is not None:
            if not (node.name.value in self.cls.methods and _accessor_of(decorators, node.name.value)):
                self.cls.methods[node.name.value] = fn.id  # `@x.setter def x` keeps the property
        else:
            self.fn.bind(node.name.value, "def", value)
            if value != ir.FuncRef(fn.id):  # the wrapper calls the def: the name stands for both
                self.fn.bind(node.name.value, "def", ir.FuncRef(fn.id))
        outer_cls = self.cls
        self.run_body(fn, node.body)
        self.cls = outer_cls

    def _unique_id(self, qualname: str) -> str:
        """`<module>:<qualname>`, numbered from the second definition of one name on (`f#2`):
        both definitions are kept, as a name bound twice stands for both."""
        base = f"{self.summary.name}:{qualname}"
        found, number = base, 1
        while found in self.summary.functions or found in self.summary.classes:
            number += 1
            found = f"{base}#{number}"
        return found

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
        decorators = [(d, self.expr(d.decorator)) for d in node.decorators]
        qualname = self._child_id(node.name.value)
        info = ir.ClassInfo(self._unique_id(qualname), self.summary.name, qualname, self.at(node), self.fn.id, bases)
        self.summary.classes[info.id] = info
        if self.cls is None:
            self.fn.bind(node.name.value, "class", ir.FuncRef(info.id))
        else:
            self.cls.attributes.setdefault(node.name.value, []).append(ir.FuncRef(info.id))
        outer = self.cls
        self.cls = info
        self.block(node.body)  # the class body runs in the enclosing scope at definition time
        self.cls = outer
        for decorator, sym in reversed(decorators):  # `@registry.register("name") class C`: handed C
            self.emit(ir.CallSite, decorator, func=sym, args=(ir.FuncRef(info.id),), decorator=True)

    def _s_If(self, node: cst.If) -> None:
        test_start = len(self.fn.events)
        reads = self.test(node.test)
        branch = self.emit(ir.Branch, node, test_start=test_start, test_reads=reads, guard=classify_guard(node.test),
                           flag=node.test.value if isinstance(node.test, cst.Name) else None,
                           periodic=_takes_remainder(node.test))
        outer = self.type_checking_only
        self.type_checking_only = outer or branch.guard == "type-checking"
        self.block(node.body)
        self.type_checking_only = outer
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
        loop.test_end = len(self.fn.events)
        loop.infinite = always_true(node.test)
        self._loop_body(loop, node)

    def _loop_body(self, loop: ir.Loop, node) -> None:
        self.block(node.body)
        loop.body_end = len(self.fn.events)
        loop.exits = body_exits(self.fn.events, loop.index + 1, loop.body_end)
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


def _first_code_statement(module: cst.Module):
    """The statement an added import goes before: the first after the docstring and the
    `from __future__` imports (None when there is none)."""
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and statement.body:
            small = statement.body[0]
            if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
                continue
            if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__":
                continue
        return statement
    return None


def _accessor_of(decorators: tuple[ir.Sym, ...], name: str) -> bool:
    """`@name.setter` / `@name.deleter`: the method redefines the property `name` in place."""
    return any(isinstance(d, ir.Attr) and d.attr in ("setter", "deleter", "getter")
               and isinstance(d.base, ir.Name) and d.base.name == name for d in decorators)


def _takes_remainder(test: cst.BaseExpression) -> bool:
    """`step % every == 0`, `(epoch + 1) % args.save_every == 0`: a test that holds once a period."""
    pending: list = [test]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Modulo):
                return True
            pending += (node.left, node.right)
        elif isinstance(node, cst.Comparison):
            pending += (node.left, *(target.comparator for target in node.comparisons))
        elif isinstance(node, cst.BooleanOperation):
            pending += (node.left, node.right)
        elif isinstance(node, cst.UnaryOperation):
            pending.append(node.expression)
    return False
