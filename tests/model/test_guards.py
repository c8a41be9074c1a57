"""Conditions whose outcome is known on Linux: the main guard, platform checks, TYPE_CHECKING."""

from __future__ import annotations

import libcst as cst
import pytest

from sigcheck.model.guards import classify_guard

CASES = {
    "__name__ == '__main__'": "main",
    '"__main__" == __name__': "main",
    "TYPE_CHECKING": "type-checking",
    "typing.TYPE_CHECKING": "type-checking",
    'hasattr(signal, "SIGTERM")': "platform",
    'hasattr(os.posix, "killpg")': "platform",
    'not hasattr(signal, "SIGUSR1")': "platform",
    'hasattr(signal, "SIGTERM") and sys.platform != "win32"': "platform",
    'os.name == "posix"': "platform",
    'sys.platform.startswith("linux")': "platform",
    'hasattr(model, "module")': None,  # an object's attribute, not the platform's
    "hasattr(signal, name)": None,
    'hasattr(signal, "SIGTERM", 1)': None,
    "__name__ != '__main__'": None,
    "ready": None,
    "args.benchmark": "benchmark",
    "cfg.bench": "benchmark",
    'args.exec_mode == "benchmark"': "benchmark",
    "not args.benchmark": None,  # the training run's branch
    "args.bench_steps > 0 and ready": None,
    'args.exec_mode == "train"': None,
}


@pytest.mark.parametrize("test", sorted(CASES))
def test_classify_guard(test):
    assert classify_guard(cst.parse_expression(test)) == CASES[test]
