"""Any syntactically valid Python module, analysed as an entry point, gives findings or nothing.

hypothesmith writes the modules: `from_grammar()` from CPython's grammar (odd but valid token
soup), `from_node()` by printing random libcst trees (deeper statements, more real-looking code).
Each module goes through the engine with every rule on, as `sigcheck FILE` runs it. The property:
no exception escapes, and a module is refused (a located error) only where libcst itself cannot
parse it or it is nested deeper than sigcheck walks — valid code is never lost to a bug of ours.

By default 150 examples from the grammar and 15 from libcst trees (slow to generate);
SIGCHECK_FUZZ=1 runs 5,000 and 2,000.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import hypothesmith
import libcst
import pytest
from hypothesis import HealthCheck, given, settings

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings
from sigcheck.loading.discovery import RUNS_NOTHING
from sigcheck.loading.parsing import MAX_NESTING, nesting_score
from sigcheck.rules import ALL_RULES

# A few hundred examples in the normal run, thousands with SIGCHECK_FUZZ=1. hypothesmith's
# from_node is slow to generate (about a second an example here), so it gets fewer.
FUZZ = bool(os.environ.get("SIGCHECK_FUZZ"))
EXAMPLES = 5000 if FUZZ else 150
NODE_EXAMPLES = 2000 if FUZZ else 15

# Generated sources are slow to make and big; neither is a problem of the code under test.
_SLOW_INPUT = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
               HealthCheck.function_scoped_fixture]
# hypothesmith compiles what it generates; CPython warns about odd but valid code (`"a"()`).
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
EVERY_RULE = Settings(select=tuple(sorted({rule.code for rule in ALL_RULES})))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """One folder for the whole module: each example overwrites train.py (a fresh folder per
    example would cost more than the analysis)."""
    root = tmp_path_factory.mktemp("fuzz-python")
    (root / "pyproject.toml").touch()
    return root


def check_module(root: Path, text: str) -> None:
    entry = root / "train.py"
    entry.write_text(text, encoding="utf-8")
    report = analyse([entry], EVERY_RULE)  # must not raise, whatever the module says
    for error in report.errors:
        assert error.line is not None, error  # a refusal is located
        if error.message == RUNS_NOTHING:  # a module of defs only: analysed, and said to run none of them
            continue
        assert _libcst_refuses(text), f"valid module refused: {error}\n---\n{text}"
    if not report.errors:
        assert [Path(f).name for f in report.files] == ["train.py"]
    for diagnostic in report.diagnostics:
        assert diagnostic.line >= 1 and diagnostic.column >= 1, diagnostic


def _libcst_refuses(text: str) -> bool:
    """Whether the module is beyond what sigcheck promises to analyse: libcst's own parser fails
    on it, or it nests deeper than the depth guard allows (see sigcheck.loading.parsing)."""
    if nesting_score(text)[0] > MAX_NESTING:
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            libcst.parse_module(text)
    except (libcst.ParserSyntaxError, RecursionError, ValueError, TypeError):
        return True
    return False


@settings(max_examples=EXAMPLES, suppress_health_check=_SLOW_INPUT)
@given(text=hypothesmith.from_grammar())
def test_any_module_from_the_grammar(project, text):
    check_module(project, text)


@settings(max_examples=NODE_EXAMPLES, suppress_health_check=_SLOW_INPUT)
@given(text=hypothesmith.from_node())
def test_any_module_from_libcst_trees(project, text):
    check_module(project, text)
