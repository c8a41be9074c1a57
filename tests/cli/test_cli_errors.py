"""Bad input through the real command: exit status, messages, no traceback, no hang, no crash.

Runs that could block (a FIFO) or take the process down (a parser overflowing its stack) are
subprocesses with a timeout, so that they fail the test and not the test run; the rest use
click's CliRunner.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from sigcheck.cli import main

GOOD = b"import os\n\nif __name__ == '__main__':\n    print(os.getcwd())\n"  # no findings


@pytest.fixture
def run(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").touch()
    monkeypatch.chdir(tmp_path)

    def run(*args: str, output: str = "json", timeout: float | None = None):
        """`timeout`: in a subprocess. Returns `returncode` and `stdout`."""
        if timeout is None:
            invoked = CliRunner().invoke(main, ["--format", output, *args])
            assert invoked.exception is None or isinstance(invoked.exception, SystemExit), invoked.exception
            result = SimpleNamespace(returncode=invoked.exit_code, stdout=invoked.stdout, stderr="")
        else:
            result = subprocess.run([sys.executable, "-m", "sigcheck", "--format", output, *args], cwd=tmp_path,
                                    capture_output=True, text=True, timeout=timeout)
        assert result.returncode in (0, 1, 2), result  # negative: killed by a signal
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result

    return run


def errors(result) -> dict[str, dict]:
    return {e["path"]: e for e in json.loads(result.stdout)["errors"]}


def files(result) -> list[str]:
    return json.loads(result.stdout)["files"]


def test_nonexistent_path_exits_2_with_a_message(run, tmp_path):
    result = run("missing.py", output="text")
    assert result.returncode == 2
    assert "missing.py: E902 no such file or directory" in result.stdout
    (tmp_path / "good.py").write_bytes(GOOD)
    result = run("missing.py", "good.py")
    assert result.returncode == 2
    assert "no such file" in errors(result)["missing.py"]["message"]
    assert files(result) == ["good.py"]


def test_syntax_error_is_located_in_text_and_json(run, tmp_path):
    (tmp_path / "bad.py").write_bytes(b"import os\n\nprint('unclosed'\n")
    (tmp_path / "good.py").write_bytes(GOOD)
    result = run("bad.py", "good.py", output="text")
    assert result.returncode == 2
    assert "bad.py:3:6: E902 syntax error: '(' was never closed" in result.stdout
    result = run("bad.py", "good.py")
    bad = errors(result)["bad.py"]
    assert (bad["line"], bad["column"]) == (3, 6)
    assert files(result) == ["good.py"]


def test_only_bad_files_exit_2(run, tmp_path):
    (tmp_path / "bad.py").write_bytes(b"x = '\xff'\n")
    result = run("bad.py")
    assert result.returncode == 2 and files(result) == []
    assert errors(result)["bad.py"]["line"] == 1


def test_directory_named_train_py_on_the_command_line(run, tmp_path):
    (tmp_path / "train.py").mkdir()
    result = run("train.py", output="text")
    assert result.returncode == 2
    assert "train.py: E902 no entry points found in this directory" in result.stdout
    (tmp_path / "train.py" / "main.py").write_bytes(GOOD)  # a directory is searched like any other
    result = run("train.py")
    assert result.returncode == 0 and files(result) == ["train.py/main.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_train_py_does_not_block(run, tmp_path):
    os.mkfifo(tmp_path / "train.py")
    (tmp_path / "good.py").write_bytes(GOOD)
    result = run("train.py", "good.py", timeout=30)
    assert result.returncode == 2
    assert "not a regular file" in errors(result)["train.py"]["message"]
    assert files(result) == ["good.py"]
    result = run(".", timeout=30)  # searched
    assert "train.py" in errors(result) and files(result) == ["good.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loop_on_the_command_line(run, tmp_path):
    os.symlink("loop_b", tmp_path / "loop_a")
    os.symlink("loop_a", tmp_path / "loop_b")
    result = run("loop_a/train.py", "loop_a", output="text")  # the first path also finds the config
    assert result.returncode == 2
    assert "loop_a: E902 cannot read" in result.stdout


def test_file_over_the_size_limit(run, tmp_path):
    from sigcheck.loading.sources import MAX_FILE_BYTES

    with open(tmp_path / "huge.py", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    result = run("huge.py", output="text")
    assert result.returncode == 2
    assert "huge.py: E902 skipped:" in result.stdout and "limit" in result.stdout


DEEP = {
    "parens": b"x = " + b"(" * 5000 + b")" * 5000 + b"\n",
    "lists": b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "calls": b"x = " + b"f(" * 5000 + b")" * 5000 + b"\n",
    "lambdas": b"x = " + b"lambda: " * 5000 + b"1\n",
    "unary": b"x = " + b"-" * 5000 + b"1\n",
    "attributes": b"x = y" + b".a" * 5000 + b"\n",
    "and": b"x = " + b" and ".join([b"a"] * 5000) + b"\n",
    "plus": b"x = " + b" + ".join([b"1"] * 5000) + b"\n",
    "newer_syntax": b"type T = int\ny = " + b"(" * 5000 + b")" * 5000 + b"\n",
}


def test_deep_nesting_never_crashes(run, tmp_path):
    for name, text in DEEP.items():
        (tmp_path / f"{name}.py").write_bytes(text)
    (tmp_path / "good.py").write_bytes(GOOD)
    result = run(*(f"{name}.py" for name in DEEP), "good.py", timeout=300)
    assert result.returncode == 2
    found = errors(result)
    for name in DEEP:
        assert found[f"{name}.py"]["line"] is not None and found[f"{name}.py"]["column"] is not None
    assert files(result) == ["good.py"]


def test_binary_garbage_dockerfile_in_a_searched_directory(run, tmp_path):
    (tmp_path / "Dockerfile").write_bytes(bytes(range(256)) * 16)
    (tmp_path / "train.py").write_bytes(GOOD)
    result = run(".")
    assert files(result) == ["train.py"]
    for error in errors(result).values():
        assert error["path"] == "Dockerfile" and error["line"] is not None


def test_an_internal_error_exits_2_with_its_traceback_never_1(tmp_path):
    """Exit status 1 means findings: a bug in sigcheck must not read as one."""
    (tmp_path / "train.py").write_bytes(GOOD)
    crash = ("import sys\nimport sigcheck.checking.engine as engine\n"
             "def broken(*args, **kwargs):\n    raise RuntimeError('bug in the engine')\n"
             "engine._checked = broken\n"
             "from sigcheck.cli import console_main\n"
             "sys.argv = ['sigcheck', 'train.py', '--no-cache']\nconsole_main()\n")
    done = subprocess.run([sys.executable, "-c", crash], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "RuntimeError: bug in the engine" in done.stderr and "internal error" in done.stderr
