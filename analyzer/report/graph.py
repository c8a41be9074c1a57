"""The call graph sigcheck built, rendered for people and tools: `sigcheck graph`.

Three renderings of the same graph:
  dot   Graphviz, for a picture of what each signal handler reaches: handler edges and edges to
        other threads and processes are drawn apart from the calls of the main thread
  json  every project function and every edge with its kind and where it is made
  pycg  PyCG's format (caller -> callees, names as PyCG spells them), to compare with its suite

Library calls are not edges of the graph (their bodies are never read); json and pycg list them
by qualified name, as PyCG does.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from sigcheck import __version__
from sigcheck.checking.analysis import Analysis
from sigcheck.model import ir
from sigcheck.model.callgraph import HANDLER_WORK

# Edges that mean "the caller may run the callee on its own thread": what PyCG calls an edge.
# Import edges are left out (PyCG draws none for imports), and so are functions started on other
# threads or processes, registered for exit or as signal handlers: the caller does not run them.
PYCG_KINDS = frozenset({"call", "reference", "callback"})

_EDGE_STYLE = {
    "call": 'color="black"',
    "import": 'color="gray60", style="dotted"',
    "reference": 'color="black", style="dashed"',
    "callback": 'color="black", style="dashed"',
    "handler": 'color="red3", penwidth=2, label="handler", fontcolor="red3"',
    "thread": 'color="blue3", style="dashed", label="thread", fontcolor="blue3"',
    "executor": 'color="blue3", style="dashed", label="executor", fontcolor="blue3"',
    "process": 'color="darkorange3", style="dashed", label="process", fontcolor="darkorange3"',
    "atexit": 'color="gray40", style="dashed", label="atexit", fontcolor="gray40"',
    "remote": 'color="gray60", style="dotted", label="remote", fontcolor="gray60"',
}
_LAMBDA = re.compile(r"<lambda#(\d+)>")
_PYCG_BUILTIN_TYPES = {"builtins.str.": "<**PyStr**>.", "builtins.dict.": "<**PyDict**>.",
                       "builtins.list.": "<**PyList**>."}


class GraphView:
    """Names and edges of one analysis's call graph, shared by the renderings."""

    def __init__(self, analysis: Analysis, handlers_only: bool = False) -> None:
        self.analysis = analysis
        self.graph = analysis.graph
        self.functions = analysis.functions
        self._lambda_names = _lambda_numbers(self.functions.values())
        self.handlers = sorted({callee for _, callee, kind in self.graph.graph.edges(keys=True) if kind == "handler"})
        self.nodes = sorted(self.functions)
        if handlers_only:
            reached = self.graph.reach(self.handlers, HANDLER_WORK)
            self.nodes = [f for f in self.nodes if f in reached]

    def pycg_name(self, func_id: str) -> str:
        """`train:Trainer.fit` -> `train.Trainer.fit`, `train:<module>` -> `train`, nested functions
        without `<locals>`, a redefinition without its `#2`, lambdas numbered per scope (`<lambda1>`)."""
        fn = self.functions[func_id]
        if fn.kind == "module":
            return fn.module
        parts, raw = [fn.module], []
        for part in fn.qualname.split("."):
            if part == "<locals>":
                continue
            raw.append(part)
            parts.append(self._lambda_names.get((fn.module, *raw), part.split("#", 1)[0]))
        return ".".join(parts)

    def edges(self, kinds: frozenset[str] | None = None) -> list[tuple[str, str, str, int]]:
        """(caller, callee, kind, site index) between the shown nodes."""
        shown = set(self.nodes)
        return sorted((caller, callee, kind, site) for caller, callee, kind, site in self.graph.graph.edges(keys=True, data="site")
                      if caller in shown and callee in shown and (kinds is None or kind in kinds))

    def library_calls(self) -> list[tuple[str, str, ir.CallSite]]:
        """(caller, qualified name, call site) of the calls into code outside the project."""
        found = []
        for func_id in self.nodes:
            for event in self.functions[func_id].events:
                if isinstance(event, ir.CallSite):
                    for name in self.graph.qualnames(func_id, event):
                        if not name.startswith("?."):  # an unknown receiver: no name to give
                            found.append((func_id, name, event))
        return found

    def location(self, func_id: str, node) -> dict:
        fn = self.functions[func_id]
        span = self.analysis.positions.span(fn.module, node)
        return {"path": self.analysis.project.sources[fn.module].display, "line": span.line, "column": span.column}


def render_pycg(view: GraphView) -> str:
    callees: dict[str, set[str]] = {view.pycg_name(f): set() for f in view.nodes}
    for caller, callee, _, _ in view.edges(PYCG_KINDS):
        callees[view.pycg_name(caller)].add(view.pycg_name(callee))
    for caller, name, _ in view.library_calls():
        callees[view.pycg_name(caller)].add(pycg_library_name(name))
    return json.dumps({caller: sorted(found) for caller, found in sorted(callees.items())}, indent=4)


def pycg_library_name(qualname: str) -> str:
    """PyCG spells builtins `<builtin>.len` and methods of literals `<**PyStr**>.join`."""
    for prefix, spelled in _PYCG_BUILTIN_TYPES.items():
        if qualname.startswith(prefix):
            return spelled + qualname[len(prefix):]
    if qualname.startswith("builtins."):
        return "<builtin>." + qualname[len("builtins."):]
    return qualname


def render_json(view: GraphView) -> str:
    functions = view.functions
    nodes = [{"id": f, "name": view.pycg_name(f), "kind": functions[f].kind, "module": functions[f].module,
              "handler": f in view.handlers, **view.location(f, functions[f].node)} for f in view.nodes]
    edges = [{"caller": caller, "callee": callee, "kind": kind, "library": False,
              **view.location(caller, functions[caller].events[site].node)}
             for caller, callee, kind, site in view.edges()]
    edges += [{"caller": caller, "callee": name, "kind": "call", "library": True, **view.location(caller, site.node)}
              for caller, name, site in view.library_calls()]
    return json.dumps({"version": __version__, "nodes": nodes, "edges": edges}, indent=2, ensure_ascii=False)


def render_dot(view: GraphView) -> str:
    """One cluster per module; handlers filled red, what they reach filled pale red."""
    reached = view.graph.reach(view.handlers, HANDLER_WORK)
    by_module: dict[str, list[str]] = defaultdict(list)
    for func_id in view.nodes:
        by_module[view.functions[func_id].module].append(func_id)
    lines = ["digraph sigcheck {", '  rankdir="LR";', '  node [shape=box, fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for number, (module, members) in enumerate(sorted(by_module.items())):
        lines += [f"  subgraph cluster_{number} {{", f"    label={_quote(module)};", '    color="gray70";']
        for func_id in members:
            label = view.pycg_name(func_id)[len(module) + 1:] or "<module>"
            fill = ', style="filled", fillcolor="red3", fontcolor="white"' if func_id in view.handlers else \
                ', style="filled", fillcolor="mistyrose"' if func_id in reached else ""
            lines.append(f"    {_quote(func_id)} [label={_quote(label)}{fill}];")
        lines.append("  }")
    for caller, callee, kind, _ in view.edges():
        lines.append(f"  {_quote(caller)} -> {_quote(callee)} [{_EDGE_STYLE.get(kind, '')}];")
    lines.append("}")
    return "\n".join(lines)


RENDERERS = {"dot": render_dot, "json": render_json, "pycg": render_pycg}


def _lambda_numbers(functions) -> dict[tuple[str, ...], str]:
    """PyCG numbers lambdas per enclosing scope in source order (`<lambda1>`, `<lambda2>`); sigcheck
    numbers them per module. Key: the module and the qualname's parts up to the lambda, without
    `<locals>`."""
    groups: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
    for fn in functions:
        if fn.kind != "lambda":
            continue
        raw = tuple(p for p in fn.qualname.split(".") if p != "<locals>")
        groups[(fn.module, *raw[:-1])].append((int(_LAMBDA.fullmatch(raw[-1]).group(1)), raw[-1]))
    names = {}
    for scope, members in groups.items():
        for rank, (_, part) in enumerate(sorted(members), start=1):
            names[(*scope, part)] = f"<lambda{rank}>"
    return names


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
