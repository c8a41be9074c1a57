"""Parsing by parts (an editor's documents) gives the summary and spans a whole parse gives, and
after an edit parses only the top-level statements whose text changed."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

import sigcheck.loading.segments as segments
from sigcheck.loading.segments import IncrementalParser
from sigcheck.loading.sources import SourceFile
from sigcheck.loading.summaries import Job, summarise

# hypothesmith compiles what it generates; CPython warns about odd but valid code (`1()`).
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
CORPUS = Path(__file__).resolve().parents[2] / "corpus"
PATH = Path("/project/train.py")

EDGE_CASES = {
    "empty": "",
    "comments only": "# one\n\n# two\n",
    "no final newline": "import os\nos.getcwd()",
    "crlf": "import os\r\n\r\ndef f():\r\n    return os.sep\r\n\r\nf()\r\n",
    "lone cr": "import os\rx = os.sep\rprint(x)\r",
    "form feed": "import os\n\x0c\ndef f():\n    pass\n\x0cf()\n",
    "semicolons": "import os; x = 1\ny = 2; import sys\n",
    "one-line compound": "if True: import os\nfor i in range(3): print(i)\n",
    "decorators": "import functools\n\n@functools.lru_cache\n@functools.wraps(print)\ndef f():\n    return 1\n",
    "decorator over lines": "@(\n    lambda f: f\n)\ndef f():\n    pass\n",
    "block footer comments": "def f():\n    x = 1\n    # inside\n\n  # odd indent\n# top\nf()\n",
    "continuation": "x = 1 + \\\n    2\nprint(x)\n",
    "strings over lines": 's = """\nnot code: def f(): pass\n"""\nt = (\n    "a"\n    "b"\n)\n',
    "docstring and future": '"""Doc."""\nfrom __future__ import annotations\n\nimport os\n',
    "nested definitions": "class A:\n    def f(self):\n        def g():\n            return lambda: self\n        return g\n\nA().f()\n",
    "same statement twice": "import torch\n\ntorch.save(1, 'a')\ntorch.save(1, 'a')\n\ntorch.save(1, 'a')\n",
    "tabs": "def f():\n\treturn 1\n\nclass B:\n\tdef g(self):\n\t\treturn f()\n",
    "two-space indent": "def f():\n  if True:\n    return 1\n\nf()\n",
    "try and with": "try:\n    import torch\nexcept ImportError:\n    torch = None\nfinally:\n    pass\nwith open('x') as h:\n    h.read()\n",
    "match": "match x:\n    case 1:\n        print(1)\n    case _:\n        pass\n",
    "async": "import asyncio\n\nasync def main():\n    async with x:\n        await asyncio.sleep(1)\n\nasyncio.run(main())\n",
    "signal handler": ("import signal, sys, torch\n\n\ndef on_term(signum, frame):\n    torch.save({}, 'ckpt.pt')\n"
                       "    sys.exit(0)\n\n\nsignal.signal(signal.SIGTERM, on_term)\nfor step in range(10):\n"
                       "    loss = step * 2\n"),
}


def whole(text: str):
    return summarise(Job(PATH, "train.py", "train", False, text, spans=True))


def by_parts(parser: IncrementalParser, text: str):
    return summarise(Job(PATH, "train.py", "train", False, text, spans=True), parser)


def same(a, b) -> bool:
    return pickle.dumps(a) == pickle.dumps(b)


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_parts_summarise_as_the_whole_text(name):
    text = EDGE_CASES[name]
    assert same(by_parts(IncrementalParser(), text), whole(text))


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_after_an_edit_the_parts_kept_summarise_as_the_whole_text(name):
    parser = IncrementalParser()
    text = EDGE_CASES[name]
    by_parts(parser, text)
    lines = text.splitlines(keepends=True)
    for edited in ("import math\n" + text, text + "\nimport math\n",
                   "".join(lines[: len(lines) // 2]) + "\n\nx = 1\n\n" + "".join(lines[len(lines) // 2:])):
        assert same(by_parts(parser, edited), whole(edited)), edited


def test_every_corpus_module_by_parts():
    files = sorted(CORPUS.rglob("*.py"))
    assert len(files) > 100
    parser = IncrementalParser()
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert same(by_parts(parser, text), whole(text)), path
        edited = text.replace("\n\n", "\n\nimport math  # an edit\n\n", 1)
        assert same(by_parts(parser, edited), whole(edited)), path


def test_only_changed_statements_are_parsed_again(monkeypatch):
    parsed: list[str] = []
    real = segments.parse_python
    monkeypatch.setattr(segments, "parse_python", lambda source: parsed.append(source.text) or real(source))
    text = "".join(f"def step_{i}(x):\n    return x + {i}\n\n\n" for i in range(50)) + "step_0(1)\n"
    parser = IncrementalParser()
    by_parts(parser, text)
    assert len(parsed) == 51
    parsed.clear()
    edited = text.replace("return x + 7\n", "return x * 7\n")
    summary = by_parts(parser, edited)
    assert parsed == ["\n\ndef step_7(x):\n    return x * 7\n"]  # with the blank lines before it
    assert same(summary, whole(edited))


def test_lines_added_above_move_the_spans_of_statements_kept():
    parser = IncrementalParser()
    text = "import torch\n\n\ndef save():\n    torch.save({}, 'a')\n"
    by_parts(parser, text)
    edited = "import os\nimport sys\n" + text
    summary = by_parts(parser, edited)
    save = next(fn for fn in summary.functions.values() if fn.qualname == "save")
    assert summary.span(save.node)[:2] == (6, 5)  # the name `save`, two lines further down
    assert same(summary, whole(edited))


def test_text_python_refuses_is_left_to_the_whole_parse():
    parser = IncrementalParser()
    assert parser.parse(SourceFile(PATH, "train.py", "def f(:\n    pass\n")) is None
    assert by_parts(parser, "def f(:\n    pass\n") == whole("def f(:\n    pass\n")  # the same located error


def test_a_bounded_number_of_documents_is_kept():
    parser = IncrementalParser(documents=2)
    for number in range(5):
        parser.parse(SourceFile(Path(f"/project/m{number}.py"), f"m{number}.py", "x = 1\n"))
    assert list(parser._last) == ["/project/m3.py", "/project/m4.py"]


_SLOW_INPUT = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


@settings(max_examples=2000 if os.environ.get("SIGCHECK_FUZZ") else 100, suppress_health_check=_SLOW_INPUT,
          deadline=None)
@given(text=hypothesmith.from_grammar())
def test_any_module_by_parts(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = whole(text)
        parser = IncrementalParser()
        assert same(by_parts(parser, text), expected)
        assert same(by_parts(parser, "import os\n" + text), whole("import os\n" + text))
