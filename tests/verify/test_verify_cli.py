"""`sigcheck verify` end to end: JSON output, the text verdict, --compare and usage errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sigcheck.verify.namespace import pid_namespace

SAVES_ON_SIGTERM = """
import os, signal, sys, time
def on_sigterm(signum, frame):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as fh:
        fh.write("{}")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_sigterm)
print("ready", flush=True)
for step in range(1000):
    time.sleep(0.02)
"""


def sigcheck_verify(cwd, *args, env=None):
    return subprocess.run([sys.executable, "-m", "sigcheck", "verify", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.fixture
def job(tmp_path):
    (tmp_path / "train.py").write_text(textwrap.dedent(SAVES_ON_SIGTERM))
    return tmp_path


def test_json_output(job):
    done = sigcheck_verify(job, "--format", "json", "--when", "^ready$", "--after", "0.2", "--grace", "3",
                           "--", sys.executable, "train.py")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["command"] == [sys.executable, "train.py"]
    assert report["pid1"] is pid_namespace().pid1
    assert report["signal"] == "SIGTERM" and report["grace"] == 3
    assert report["trigger"] == "output matched '^ready$' + 0.2 s"
    assert report["stopped_by"] == "exit" and report["exit_status"] == 0 and report["killed_by"] is None
    assert report["saved"] is True and report["stopped"] is True and report["killed_at_deadline"] is False
    assert 0 <= report["seconds_to_exit"] < 1
    [saved] = report["files"]
    assert saved["path"] == "model/model.json" and saved["area"] == "model" and saved["change"] == "new"
    assert saved["after_signal"] is True and saved["size"] == 2
    assert report["left_behind"] == [] and report["compare"] is None and report["root"] is None
    assert report["verdict"].startswith("saved artifacts and stopped in 0.")
    assert "ready" in report["output_tail"]


def test_text_report_plain_lines_in_ci(job):
    env = {**os.environ, "CI": "true"}
    done = sigcheck_verify(job, "--after", "0.5", "--grace", "3", "--compare", "--", sys.executable, "train.py", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "\x1b" not in done.stdout and "\r" not in done.stdout
    assert any("sent SIGTERM to pid" in line for line in lines)
    assert "  | ready" in lines  # the command's output, echoed
    assert "  static:     no findings" in lines
    assert "  agree:      the static verdict and the observed behaviour agree" in lines
    assert lines[-1].startswith("verdict: saved artifacts and stopped in 0.")


def test_compare_reports_a_disagreement(tmp_path):
    """A handler sigcheck cannot follow (called through a dict) is not reported, so the static
    verdict is "saves and stops"; the run shows that it never saves."""
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import signal, sys, time
        def quit_now(signum, frame):
            sys.exit(0)
        HANDLERS = {"term": quit_now}
        signal.signal(signal.SIGTERM, lambda s, f: HANDLERS["term"](s, f))
        for step in range(1000):
            time.sleep(0.02)
    """))
    done = sigcheck_verify(tmp_path, "--format", "json", "-q", "--after", "0.5", "--grace", "3", "--compare", "--",
                           sys.executable, "train.py")
    compared = json.loads(done.stdout)["compare"]
    assert compared["predicted"] == {"saved": True, "stopped": True}
    assert compared["observed"] == {"saved": False, "stopped": True}
    assert compared["agrees"] is False
    assert compared["differences"] == ["predicted it saves after the stop signal; observed it did not"]
    assert done.returncode == 1


def test_keep_leaves_the_fake_root(job):
    done = sigcheck_verify(job, "--format", "json", "-q", "--keep", "--after", "0.5", "--grace", "3", "--",
                           sys.executable, "train.py")
    root = json.loads(done.stdout)["root"]
    assert root and (Path(root) / "model" / "model.json").is_file()
    shutil.rmtree(Path(root).parent)


@pytest.mark.parametrize("args, message", [
    ((), "no command to run"),
    (("--", "no-such-command-xyz"), "command not found: no-such-command-xyz"),
    (("--signal", "NOPE", "--", sys.executable, "-c", "pass"), "--signal 'NOPE'"),
    (("--when", "(", "--", sys.executable, "-c", "pass"), "--when '('"),
    (("--channel", "train", "--", sys.executable, "-c", "pass"), "--channel 'train'"),
])
def test_usage_errors(tmp_path, args, message):
    done = sigcheck_verify(tmp_path, *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_no_pid1_says_so(job):
    done = sigcheck_verify(job, "--no-pid1", "--after", "0.3", "--grace", "2", "-q", "--", sys.executable, "train.py")
    assert "  run:        as an ordinary process, not PID 1: --no-pid1 asks for it" in done.stdout.splitlines()
