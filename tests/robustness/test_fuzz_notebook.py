"""Any notebook, with cells that write scripts (`%%writefile`) and estimators that run them, gives
findings or located errors, never an exception; a finding in a script a cell writes points at a
line the notebook's file has.

Cells are built from pieces real notebooks hold (the magic with odd paths, training lines, an
estimator naming the written script) and from arbitrary text, as lists of lines or one string.
60 examples by default; SIGCHECK_FUZZ=1 runs 1,000.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings
from sigcheck.rules import ALL_RULES

EXAMPLES = 1000 if os.environ.get("SIGCHECK_FUZZ") else 60
EVERY_RULE = Settings(select=tuple(sorted({rule.code for rule in ALL_RULES})))

_PATHS = st.sampled_from(["train.py", "code/train.py", "./code/train.py", "'code/train.py'", "../up.py", "/abs/x.py",
                          "{folder}/train.py", "a\0b.py", "requirements.txt", "code/", "d/" * 200 + "x.py"])
_MAGIC = st.builds(lambda append, path: f"%%writefile {'-a ' if append else ''}{path}\n", st.booleans(), _PATHS)
_LINES = st.sampled_from([
    "import torch\n", "for epoch in range(10):\n", "    loss = model(batch)\n", "    loss.backward()\n",
    "    optimizer.step()\n", "torch.save(model.state_dict(), '/opt/ml/model/model.pt')\n", "def f(:\n", "\n",
    "est = PyTorch(entry_point='train.py', source_dir='code')\n", "est = PyTorch(entry_point='train.py')\n",
    "%%time\n", "!pip install torch\n", "\t\tx = (\n", "\ufeffimport os\n", "signal.signal(signal.SIGTERM, h)\n",
]) | st.text(max_size=30)
_SOURCE = st.builds(lambda magic, lines: ([magic] if magic else []) + lines, st.none() | _MAGIC, st.lists(_LINES, max_size=8))
_CELL = st.builds(lambda kind, source, joined: {"cell_type": kind, "metadata": {}, "source": "".join(source) if joined else source},
                  st.sampled_from(["code", "code", "markdown", "raw"]), _SOURCE, st.booleans())


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-notebook")
    (root / "pyproject.toml").touch()
    return root


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_CELL, max_size=6), indent=st.sampled_from([None, 1, 2]))
@example(cells=[{"cell_type": "code", "source": ["%%writefile code/train.py\n", "for epoch in range(10):\n", "    loss.backward()\n",
                                                "    optimizer.step()\n", "torch.save(m, '/opt/ml/model/m.pt')\n"]},
                {"cell_type": "code", "source": "est = PyTorch(entry_point='train.py', source_dir='code')\n"}], indent=1)
def test_any_notebook(folder, monkeypatch, cells, indent):
    notebook = folder / "launch.ipynb"
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=indent)
    notebook.write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    report = analyse([Path(".")], EVERY_RULE)  # must not raise, whatever the notebook holds
    lines = len(text.splitlines())
    if len(cells) == 2 and cells[0]["source"][-1:] == ["torch.save(m, '/opt/ml/model/m.pt')\n"]:
        assert {d.code for d in report.diagnostics} == {"OPT001", "SIG001"}  # the example: its checks do run
    for diagnostic in report.diagnostics:
        assert diagnostic.line >= 1 and diagnostic.column >= 1, diagnostic
        if diagnostic.path.endswith(".ipynb"):
            assert diagnostic.line <= lines, (diagnostic, text)
            assert diagnostic.fix is None
