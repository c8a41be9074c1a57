"""Conditions whose outcome sigcheck knows on Linux: the main guard, platform checks and
`if TYPE_CHECKING:`."""

from __future__ import annotations

import libcst as cst


def classify_guard(test: cst.BaseExpression) -> str | None:
    if _is_main_guard(test):
        return "main"
    if _text(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
        return "type-checking"  # true for type checkers only: the branch never runs
    if _is_platform_check(test):
        return "platform"
    if _is_benchmark_switch(test):
        return "benchmark"
    return None


def _is_benchmark_switch(test) -> bool:
    """`if args.benchmark:`, `if cfg.bench:`, `if args.exec_mode == "benchmark":`: the branch a
    command line picks to time some steps, not to train (NVIDIA's DeepLearningExamples have
    one in most projects). Only the branch itself: its `else` is the training run."""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
            and isinstance(test.comparisons[0].operator, cst.Equal):
        written = {_text(test.left), _text(test.comparisons[0].comparator)}
        return any(text.startswith("'") and "bench" in text.lower() for text in written)
    return isinstance(test, (cst.Name, cst.Attribute)) and "bench" in _text(test).rsplit(".", 1)[-1].lower()


def _is_main_guard(test) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left, right = test.left, test.comparisons[0].comparator
    sides = {_text(left), _text(right)}
    return isinstance(test.comparisons[0].operator, cst.Equal) and sides == {"__name__", "'__main__'"}


_PLATFORM_SUBJECTS = {"sys.platform", "os.name", "platform.system()", "sys.platform.startswith"}


def _is_platform_check(test) -> bool:
    """`hasattr(signal, "SIGTERM")`, `sys.platform != "win32"`, `os.name == "posix"` and the like."""
    if isinstance(test, cst.BooleanOperation):
        return _is_platform_check(test.left) and _is_platform_check(test.right)
    if isinstance(test, cst.UnaryOperation):
        return _is_platform_check(test.expression)
    if _is_hasattr_check(test):
        return True
    if isinstance(test, cst.Call):
        return _text(test.func) in _PLATFORM_SUBJECTS
    if isinstance(test, cst.Comparison):
        return _text(test.left) in _PLATFORM_SUBJECTS
    return False


def _is_hasattr_check(test) -> bool:
    """`hasattr(signal, "SIGTERM")`, or on an attribute (`hasattr(os, "killpg")` spelled
    `hasattr(posix.os, ...)`). Written out rather than with libcst's matchers, whose import alone
    (~0.2 s) was a third of a one-file run."""
    if not (isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "hasattr"
            and len(test.args) == 2):
        return False
    owner, name = test.args[0].value, test.args[1].value
    return ((isinstance(owner, cst.Name) and owner.value == "signal") or isinstance(owner, cst.Attribute)) \
        and isinstance(name, cst.SimpleString)


def _text(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_text(node.value)}.{node.attr.value}"
    if isinstance(node, cst.SimpleString):
        return "'" + str(node.evaluated_value) + "'"
    if isinstance(node, cst.Call) and not node.args:
        return _text(node.func) + "()"
    return ""
