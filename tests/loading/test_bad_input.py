"""Bad input: every file that cannot be analysed becomes a located error and the run goes on.

Cases that could take the process down (deep nesting through libcst's native parser, FIFOs) run
sigcheck in a subprocess, with a timeout.
"""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings
from sigcheck.loading import parsing, sources
from sigcheck.loading.sources import MAX_FILE_BYTES

# A file that is certainly analysed: SIG008 on line 6 proves it.
GOOD = (b"import signal\n\n\ndef on_stop(signum, frame):\n    pass\n"
        b"signal.signal(signal.SIGKILL, on_stop)\n\nif __name__ == \"__main__\":\n    pass\n")
GOOD_LINE = 6


@pytest.fixture
def project(tmp_path, monkeypatch):
    """`project({"train.py": b"..."}, args)` writes bytes and analyses `args` (default: all files)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").touch()

    def run(files: dict[str, bytes], args: list[str] | None = None):
        for name, data in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(data)
        return analyse([Path(a) for a in (args or list(files))], Settings(select=("SIG008",)))

    return run


def cli(*args: str, cwd: Path, timeout: float = 60) -> tuple[int, dict, str]:
    result = subprocess.run([sys.executable, "-m", "sigcheck", "--format", "json", "--select", "SIG008", *args],
                            cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def error_for(report, path: str):
    found = [e for e in report.errors if Path(e.path).as_posix() == path]
    assert len(found) == 1, report.errors
    return found[0]


def assert_good_analysed(report, path: str = "good.py", line: int = GOOD_LINE) -> None:
    assert path in [Path(f).as_posix() for f in report.files], report.files
    assert [(d.code, d.line) for d in report.diagnostics if d.path == path] == [("SIG008", line)]


# -- syntax and encoding ---------------------------------------------------------------------------


def test_syntax_error_is_located_and_other_files_still_analysed(project):
    report = project({"bad.py": b"import os\n\nx = (1,\n", "mid.py": b"a = 1\nb = 2 +* 3\nc = 4\n", "good.py": GOOD})
    bad = error_for(report, "bad.py")
    assert "syntax error" in bad.message and "never closed" in bad.message
    assert (bad.line, bad.column) == (3, 5)
    mid = error_for(report, "mid.py")
    assert (mid.line, mid.column) == (2, 8)
    assert_good_analysed(report)


@pytest.mark.skipif("\U00013460".isidentifier(), reason="a Python whose Unicode tables know the character")
def test_a_character_libcst_tokenises_as_a_name_and_python_refuses_is_located(project):
    """U+13460, an Egyptian hieroglyph of Unicode 16 that Python 3.11 does not know: libcst's
    tokenizer takes it as a name and its Name node refuses it (CSTValidationError), where CPython
    says which character it is (found by the container fuzz test)."""
    report = project({"bad.py": "x = 1\n\U00013460\n".encode(), "good.py": GOOD})
    bad = error_for(report, "bad.py")
    assert "U+13460" in bad.message and bad.line == 2
    assert_good_analysed(report)


def test_syntax_error_in_a_searched_directory(project):
    report = project({"pkg/bad.py": b"if __name__ == '__main__':\nprint('x')\n", "pkg/good.py": GOOD}, ["pkg"])
    bad = error_for(report, "pkg/bad.py")
    assert bad.line == 2 and "indented block" in bad.message
    assert_good_analysed(report, "pkg/good.py")


def test_a_command_that_runs_a_script_that_could_not_be_parsed(tmp_path, monkeypatch):
    """Qwen-VL's evaluation runs `python infographicsvqa_eval.py`, an entry point libcst cannot
    parse: the script is an error, and the command's child is judged by its name, not a crash."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "evaluate.py").write_text('import os\n\nif __name__ == "__main__":\n    os.system("python score.py")\n')
    (tmp_path / "score.py").write_text('if __name__ == "__main__":\n    f(:\n')
    (tmp_path / "launch.py").write_text('import subprocess\n\nif __name__ == "__main__":\n'
                                        '    subprocess.run(["python", "train_broken.py"])\n')
    (tmp_path / "train_broken.py").write_text("for batch in loader:\n    loss.backward(\n")
    report = analyse([Path(".")], Settings(select=("SIG010",)))
    assert {Path(e.path).as_posix() for e in report.errors} == {"score.py", "train_broken.py"}
    assert [(d.path, d.line) for d in report.diagnostics] == [("launch.py", 4)]  # its name says it trains


def test_a_tab_then_spaces_under_space_indentation_is_analysed(project):
    """CPython reads a tab as indentation to the next multiple of 8, so `\\t    y = 1` under a
    four-space `if` is the if's body; libcst refuses it. The file is analysed, not an error."""
    report = project({"tabs.py": b"import signal\n\n\ndef on_stop(signum, frame):\n    if signum:\n"
                                 b"\t    print(signum)\n    return\nsignal.signal(signal.SIGKILL, on_stop)\n"})
    assert report.errors == []
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG008", 8)]


def test_invalid_utf8_is_located(project):
    report = project({"late.py": b"x = 1\ny = 2\nz = 'caf\xc3\xa9 \xff'\n", "first.py": b"y = '\xfe'\n", "good.py": GOOD})
    late = error_for(report, "late.py")
    assert "utf-8" in late.message and "0xff" in late.message
    assert (late.line, late.column) == (3, 11)  # in characters: the é is one
    first = error_for(report, "first.py")  # on the first two lines Python's cookie check fails first
    assert "0xfe" in first.message and (first.line, first.column) == (1, 6)
    assert_good_analysed(report)


def test_latin1_coding_cookie_decodes(project):
    data = b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n" + GOOD
    report = project({"good.py": data})
    assert not report.errors
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG008", GOOD_LINE + 2)]


def test_bad_coding_cookies_are_located(project):
    report = project({"unknown.py": b"#!/usr/bin/env python\n# coding: klingon\nx = 1\n",
                      "conflict.py": b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "good.py": GOOD})
    unknown = error_for(report, "unknown.py")
    assert "klingon" in unknown.message and unknown.line == 2
    assert error_for(report, "conflict.py").line == 1
    assert_good_analysed(report)


def test_utf8_bom(project):
    report = project({"good.py": b"\xef\xbb\xbf" + GOOD})
    assert not report.errors
    assert_good_analysed(report)
    assert [(d.line, d.column) for d in report.diagnostics] == [(GOOD_LINE, 1)]


def test_crlf_line_endings_and_form_feeds(project):
    crlf = GOOD.replace(b"\n\n\ndef", b"\n\x0c\n\ndef").replace(b"\n", b"\r\n")
    old_mac = GOOD.replace(b"\n", b"\r")
    report = project({"good.py": crlf, "mac.py": old_mac, "indent.py": b"def f():\n\x0c    x = 1\n    return x\n\nf()\n"})
    assert not report.errors
    assert_good_analysed(report)
    assert [(d.code, d.line) for d in report.diagnostics if d.path == "mac.py"] == [("SIG008", GOOD_LINE)]


def test_nul_byte_is_located(project):
    report = project({"nul.py": b"x = 1\ny = 'a\x00b'\n", "good.py": GOOD})
    nul = error_for(report, "nul.py")
    assert "NUL" in nul.message and (nul.line, nul.column) == (2, 7)
    assert_good_analysed(report)


def test_empty_file(project):
    report = project({"train.py": b"", "pkg/__init__.py": b"", "good.py": b"import pkg\n" + GOOD})
    assert not report.errors
    assert "train.py" in report.files and "pkg/__init__.py" in report.files
    assert [(d.code, d.line) for d in report.diagnostics if d.path == "train.py"] == []


# -- size and depth --------------------------------------------------------------------------------


def test_module_of_200000_lines_finishes(project):
    """Blank lines before a statement made the `__main__` search quadratic (minutes). Most lines are
    in a string: libcst and its positions are linear but take half a minute for 200,000 statements."""
    lines = [b"import signal\n", b'ZEN = """\n', b"\n" * 100_000, b"x = 1\n", b"text\n" * 99_993, b'"""\n',
             b"def on_stop(signum, frame):\n", b"    pass\n", b"signal.signal(signal.SIGKILL, on_stop)\n",
             b"if __name__ == '__main__':\n", b"    pass\n"]
    data = b"".join(lines)
    assert data.count(b"\n") > 200_000
    started = time.monotonic()
    report = project({"big/train.py": data}, ["big"])  # searched: the __main__ guard is found at the end
    assert time.monotonic() - started < 60
    assert not report.errors
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG008", 200_000)]


def test_file_over_the_size_limit_is_skipped_and_said_so(project, tmp_path):
    with open(tmp_path / "huge.py", "wb") as handle:  # sparse: nothing is written
        handle.truncate(MAX_FILE_BYTES + 1)
    report = project({"good.py": GOOD}, ["huge.py", "good.py"])
    huge = error_for(report, "huge.py")
    assert huge.message.startswith("skipped") and "limit" in huge.message
    assert_good_analysed(report)


DEEP = {
    "parens": b"x = 1\ny = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n",
    "not": b"x = 1\ny = " + b"not " * 5000 + b"z\n",
    "lambda": b"x = 1\ny = " + b"lambda: " * 5000 + b"1\n",
    "newer-syntax-lambda": b"type T = int\ny = " + b"lambda: " * 5000 + b"1\n",
    "newer-syntax-parens": b"type T = int\ny = " + b"(" * 1500 + b")" * 1500 + b"\n",
}


@pytest.mark.parametrize("case", DEEP, ids=list(DEEP))
def test_expression_nested_5000_deep_in_the_parser(tmp_path, case):
    """libcst's native parser overflows its stack on these and kills the process: never let it
    see them. In a subprocess, so that a regression fails this test and not the whole run."""
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "deep.py").write_bytes(DEEP[case])
    (tmp_path / "good.py").write_bytes(GOOD)
    status, out, _ = cli("deep.py", "good.py", cwd=tmp_path)
    assert status in (1, 2)
    [error] = out["errors"]
    assert error["path"] == "deep.py" and error["line"] in (1, 2) and error["column"] >= 1
    assert "good.py" in out["files"]


def test_recursion_error_from_libcst_is_located(project, monkeypatch):
    def overflow(text):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(parsing.cst, "parse_module", overflow)
    report = project({"deep.py": b"import os\n\nx = " + b" + ".join([b"1"] * 300) + b"\n"})
    error = error_for(report, "deep.py")
    assert "nested too deeply" in error.message and (error.line, error.column) == (3, 1)


def test_expression_nested_5000_deep_in_the_summary_builder(project):
    """Python and libcst accept 5,000 `and`s (a flat list for CPython), but libcst nests them."""
    report = project({"deep.py": b"import os\n\nx = " + b" and ".join([b"a"] * 5000) + b"\n", "good.py": GOOD})
    error = error_for(report, "deep.py")
    assert "cannot analyse" in error.message and "nested too deeply" in error.message
    assert (error.line, error.column) == (3, 1)
    assert_good_analysed(report)


# -- imports ---------------------------------------------------------------------------------------


def test_import_cycle_and_module_importing_itself(project):
    report = project({"a.py": b"import b\nfrom b import thing\n", "b.py": b"import a\nthing = 1\n",
                      "selfish.py": b"import selfish\nfrom selfish import x\nx = 1\n",
                      "pkg/__init__.py": b"from pkg import core\n", "pkg/core.py": b"import pkg\nfrom . import core\n",
                      "good.py": b"import a\nimport selfish\nimport pkg.core\n" + GOOD}, ["good.py"])
    assert not report.errors
    assert sorted(report.files) == ["a.py", "b.py", "good.py", "pkg/__init__.py", "pkg/core.py", "selfish.py"]
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG008", GOOD_LINE + 3)]


def test_star_imports_in_a_cycle(project):
    """A name no module defines is looked up through every `import *` in turn: a cycle of them
    (two modules, a package that star-imports itself) must end, not recurse until Python stops it."""
    report = project({"a.py": b"from b import *\n", "b.py": b"from a import *\nthing = 1\n",
                      "pkg/__init__.py": b"from . import *\n",
                      "good.py": b"from a import *\nfrom pkg import *\nprint(thing, undefined_name)\n" + GOOD},
                     ["good.py"])
    assert not report.errors
    assert [(d.code, d.line) for d in report.diagnostics] == [("SIG008", GOOD_LINE + 3)]


def test_a_trainer_that_cannot_be_loaded_stays_a_place_in_the_launch_chains_trace(tmp_path, monkeypatch):
    """The wrapper script runs train.py without exec; train.py has a NUL byte, so it is an error
    and no module. DKR004 still reports the wrapper, its trace ends at train.py, and the file's
    error is listed once, though discovery and the launch chain both read it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY entrypoint.sh /usr/local/bin/entrypoint.sh\n"
                                         "COPY . /opt/program/\nWORKDIR /opt/program\n"
                                         "ENTRYPOINT [\"/usr/local/bin/entrypoint.sh\"]\n")
    (tmp_path / "entrypoint.sh").write_text('#!/bin/sh\npython train.py "$@"\n')
    (tmp_path / "train.py").write_bytes(b"import os\x00\n")
    report = analyse([Path(".")], Settings(select=("DKR004",)))
    (finding,) = report.diagnostics
    assert (finding.code, finding.path, finding.line) == ("DKR004", "entrypoint.sh", 2)
    assert (finding.trace[-1].path, finding.trace[-1].line) == ("train.py", 1)
    assert "NUL" in error_for(report, "train.py").message


# -- paths that are not regular, readable files ----------------------------------------------------


def test_symlink_loops_in_a_searched_directory(project, tmp_path):
    project({"proj/good.py": b"import loopmod\n" + GOOD})
    proj = tmp_path / "proj"
    os.symlink("loop_b", proj / "loop_a")
    os.symlink("loop_a", proj / "loop_b")
    os.symlink("selfish.py", proj / "selfish.py")
    os.symlink("loopmod.py", proj / "loopmod.py")
    os.symlink("..", proj / "up")
    os.symlink(".", proj / "here")
    os.symlink("nowhere.py", proj / "dangling.py")
    os.symlink("good.py", proj / "alias.py")
    report = analyse([Path("proj")], Settings(select=("SIG008",)))
    assert_good_analysed(report, "proj/good.py", GOOD_LINE + 1)
    assert len(report.diagnostics) == 1  # alias.py is the same file
    looped = error_for(report, "proj/selfish.py")
    assert "cannot read" in looped.message
    assert "cannot read" in error_for(report, "proj/dangling.py").message
    # named on the command line, too
    report = analyse([Path("proj/loop_a"), Path("proj/selfish.py"), Path("proj/good.py")], Settings(select=("SIG008",)))
    assert {Path(e.path).as_posix() for e in report.errors} == {"proj/loop_a", "proj/selfish.py"}
    assert_good_analysed(report, "proj/good.py", GOOD_LINE + 1)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_file_chmod_000(project, tmp_path):
    (tmp_path / "secret.py").write_bytes(GOOD)
    (tmp_path / "secret.py").chmod(0)
    try:
        if os.access(tmp_path / "secret.py", os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reading (see the test below)")
        report = project({"good.py": GOOD}, ["secret.py", "good.py"])
        assert "cannot read" in error_for(report, "secret.py").message
        assert_good_analysed(report)
    finally:
        (tmp_path / "secret.py").chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_unreadable_file(project, monkeypatch):
    """As root chmod 000 reads fine, so the refusal comes from a patched `os.open`."""
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if Path(path).name == "secret.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(sources.os, "open", refuse)
    report = project({"src/secret.py": GOOD, "src/good.py": GOOD}, ["src"])
    assert "Permission denied" in error_for(report, "src/secret.py").message
    assert_good_analysed(report, "src/good.py")


def test_directory_named_train_py(project, tmp_path):
    (tmp_path / "proj" / "train.py").mkdir(parents=True)
    # in a searched directory it is just a directory, searched like any other
    report = project({"proj/good.py": GOOD, "proj/train.py/inner.py": GOOD}, ["proj"])
    assert not report.errors
    assert {Path(f).as_posix() for f in report.files} == {"proj/good.py", "proj/train.py/inner.py"}
    # named on the command line with nothing inside: said so, the other files still analysed
    (tmp_path / "empty" / "train.py").mkdir(parents=True)
    report = project({}, ["empty/train.py", "proj/good.py"])
    assert "no entry points found" in error_for(report, "empty/train.py").message
    assert_good_analysed(report, "proj/good.py")


def test_directory_given_as_an_entry_point(load, tmp_path):
    (tmp_path / "train.py").mkdir()
    (tmp_path / "good.py").write_bytes(GOOD)
    project = load({}, ("train.py", "good.py"))
    [error] = project.errors
    assert error.display == "train.py" and "directory" in error.message
    assert list(project.sources) == ["good"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_train_py_does_not_block(tmp_path):
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "src").mkdir()
    os.mkfifo(tmp_path / "src" / "train.py")
    os.mkfifo(tmp_path / "src" / "Dockerfile")
    (tmp_path / "src" / "good.py").write_bytes(GOOD)
    for args in (["src/train.py", "src/good.py"], ["src"]):
        status, out, _ = cli(*args, cwd=tmp_path, timeout=30)
        assert status in (1, 2)
        paths = {e["path"]: e["message"] for e in out["errors"]}
        assert "not a regular file" in paths["src/train.py"]
        assert "src/good.py" in out["files"]
    assert "not a regular file" in paths["src/Dockerfile"]


def test_binary_garbage_named_dockerfile(project):
    rng = random.Random(1234)
    files = {f"d{seed}/Dockerfile": bytes(rng.randrange(256) for _ in range(4096)) for seed in range(8)}
    files["d8/Dockerfile"] = b"CMD python " + b"\x00\x01" * 100 + b"\nFROM x\n"
    files["d9/Dockerfile"] = "CMD [\"python\", \"tr\u00e9in\u202e.py\"]\n\x0b\x1b[31m\n".encode()
    files["good.py"] = GOOD
    report = project(files, [*sorted({Path(n).parent.as_posix() for n in files if "/" in n}), "good.py"])
    for error in report.errors:  # each one located, or no error at all
        assert error.path.endswith("Dockerfile") or error.message.startswith("no entry points"), error
        if error.path.endswith("Dockerfile"):
            assert error.line is not None and error.column is not None, error
    assert_good_analysed(report)


def test_long_dockerfile_and_notebook_lines_are_linear(project):
    """Searching a 1 MB CMD line for script names tried every start position: quadratic."""
    started = time.monotonic()
    report = project({"d/Dockerfile": b"FROM x\nCMD " + b"a" * 1_000_000 + b"\n", "d/nb.ipynb": b"[" * 100_000,
                      "good.py": GOOD}, ["d", "good.py"])
    assert time.monotonic() - started < 30
    assert "not a valid notebook" in error_for(report, "d/nb.ipynb").message
    assert_good_analysed(report)


def test_nonexistent_path(project):
    report = project({"good.py": GOOD}, ["missing.py", "good.py"])
    assert "no such file" in error_for(report, "missing.py").message
    assert_good_analysed(report)


def test_estimator_entry_point_too_long_for_a_file_name(project):
    name = "a" * 300
    report = project({"launch.py": f"est(entry_point='{name}.py')\nif __name__ == '__main__':\n    pass\n".encode(),
                      "good.py": GOOD}, ["."])
    assert not report.errors
    assert_good_analysed(report)


def test_import_name_too_long_for_a_file_name(project):
    report = project({"good.py": f"import {'a' * 300}\n".encode() + GOOD})
    assert not report.errors
    assert_good_analysed(report, line=GOOD_LINE + 1)


def test_form_feed_does_not_shift_the_shown_source_line(project):
    report = project({"good.py": b"\x0c\n" + GOOD})
    (diagnostic,) = report.diagnostics
    assert diagnostic.line == GOOD_LINE + 1
    assert diagnostic.source_line.strip() == GOOD.decode().splitlines()[GOOD_LINE - 1].strip()


def test_ten_thousand_mutually_recursive_functions(tmp_path, monkeypatch):
    """A chain f0 -> f1 -> ... -> f9999 -> f0, run from an entry point that trains and registers
    a handler after the chain: walks over the call graph must not recurse once per call."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").touch()
    chain = "".join(f"def f{i}(n):\n    return f{(i + 1) % 10_000}(n - 1) if n else train()\n\n\n" for i in range(10_000))
    (tmp_path / "train.py").write_text(
        "import signal\n\nimport torch\n\n\n" + chain
        + "def train():\n    for batch in range(3000):\n        torch.optim.SGD([]).step()\n\n\n"
        + "def on_stop(signum, frame):\n    torch.save({}, 'model.pt')\n\n\n"
        + "if __name__ == \"__main__\":\n    f0(10)\n    signal.signal(signal.SIGTERM, on_stop)\n")
    report = analyse([Path("train.py")], Settings())
    assert not report.errors
    late = [d for d in report.diagnostics if d.code == "SIG007"]  # registered after training starts
    assert [d.line for d in late] == [40_017]  # the signal.signal line
    assert "SIG004" in {d.code for d in report.diagnostics}  # the handler saves but never stops


def test_unicode_digits_are_no_numbers(tmp_path, monkeypatch):
    """`"²".isdigit()` is true and `int("²")` raises: a signal, a stage index, a format field or a
    positional parameter spelled with one is a name, not a number (hypothesis found STOPSIGNAL ²)."""
    from sigcheck.rules import ALL_RULES

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nSTOPSIGNAL \u00b2\nCOPY --from=\u00b2 /a /b\n"
                                         "COPY run.sh train.py /opt/program/\nENTRYPOINT [\"sh\", \"/opt/program/run.sh\"]\n",
                                         encoding="utf-8")
    (tmp_path / "run.sh").write_text("exec python /opt/program/train.py \"$\u00b2\"\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(GOOD.decode() + "\nprint('{\u00b2}'.format(1))\n", encoding="utf-8")
    report = analyse([Path("Dockerfile"), Path("train.py")], Settings(select=tuple(r.code for r in ALL_RULES)))
    assert not report.errors and set(report.files) >= {"Dockerfile", "train.py"}
