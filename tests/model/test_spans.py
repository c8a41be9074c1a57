"""The summary's own spans agree with libcst's PositionProvider on every node it keeps."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from sigcheck.loading.sources import SourceFile
from sigcheck.model.builder import _Builder, build_summary
from sigcheck.model.positions import Positions
from sigcheck.model.project import ProjectModel
from sigcheck.model.spans import _HEADER_ONLY, node_spans
from sigcheck.model import ir

ROOT = Path(__file__).resolve().parents[2]

TRICKY = (
    "x = 1\r\nif x:\r\n    print('é', f'{x!r:>{4}}')\r\n",
    "def f(a,\n      b=(1,\n         2)):\n    '''doc'''\n    return [i for i in range(3) if i]\n",
    "\ufeffimport os\n\x0cclass C(  object ):\n\tdef m(self): return os.path.join('/opt/ml', \"model\")\n",
    "@decorator(\n    1)\nasync def g():\n    async with a as b:\n        await b\n    try:\n        pass\n    except (A, B) as e:\n        raise\n",
    "s = ('a'\n     'b' f'c{d}')\nwhile True:\n    break\nelse:\n    pass\nlambda q: q + 1\n",
)


def _expected(module: cst.Module, positions, node) -> tuple[int, int, int, int]:
    target = node.name if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else node
    found = positions[target]
    start, end = found.start, found.end
    if isinstance(node, _HEADER_ONLY) and end.line > start.line:
        line = module.code.splitlines()[start.line - 1]
        return start.line, start.column + 1, start.line, len(line.rstrip()) + 1
    return start.line, start.column + 1, end.line, end.column + 1


def _cases():
    files = sorted((ROOT / "corpus").glob("*/*.py"))[:40]
    return [pytest.param(t, id=f"tricky{i}") for i, t in enumerate(TRICKY)] + \
        [pytest.param(p.read_text(encoding="utf-8"), id=p.parent.name + "/" + p.name) for p in files]


@pytest.mark.parametrize("text", _cases())
def test_spans_match_libcst_positions(text):
    module = cst.parse_module(text)
    builder = _Builder(ir.ModuleSummary("m", "m.py", "m.py", False, "m:<module>"), module)
    body = ir.FunctionInfo("m:<module>", "m", "<module>", "module", 0, None)
    builder.summary.functions[body.id] = body
    builder.run_body(body, module.body)
    spans = node_spans(module, builder.nodes)
    assert len(spans) == 4 * len(builder.nodes)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for number, node in enumerate(builder.nodes[1:], start=1):
        target = node.name if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else node
        if target not in positions:
            continue
        assert tuple(spans[4 * number:4 * number + 4]) == _expected(module, positions, node), type(node).__name__


def test_summary_keeps_spans_and_drops_the_tree():
    summary = build_summary(cst.parse_module('"""doc"""\nfrom __future__ import annotations\n\nimport os\n'),
                            "m", "m.py", "m.py", False)
    assert summary.span(summary.first_code_node)[0] == 4
    event = [e for e in summary.body.events if isinstance(e, ir.Import)][-1]
    assert summary.span(event.node) == (4, 1, 4, 10)
    assert summary.span(0) == (1, 1, 1, 1)  # the module itself
    assert not any(isinstance(v, cst.CSTNode) for v in vars_of(summary))


def vars_of(summary):
    for fn in summary.functions.values():
        yield fn.node
        for event in fn.events:
            yield event.node


@pytest.mark.parametrize("text", _cases()[:12])
def test_spans_worked_out_again_when_reported_are_the_same(text):
    """A run over a tree summarises without spans; `Positions` parses a reported module again."""
    eager = build_summary(cst.parse_module(text), "m", "m.py", "m.py", False)
    lazy = build_summary(cst.parse_module(text), "m", "m.py", "m.py", False, spans=False)
    assert not lazy.has_spans
    project = ProjectModel(Path("/project"))
    project.add(lazy, SourceFile(Path("m.py"), "m.py", text))
    positions = Positions(project)
    nodes = range(len(eager.spans) // 4)
    spans = [positions.span("m", n) for n in nodes]
    assert [(s.line, s.column, s.end_line, s.end_column) for s in spans] == [eager.span(n) for n in nodes]
    assert lazy.spans == eager.spans
