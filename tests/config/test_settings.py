"""Configuration files: where they are found, what they may say, and what wins."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sigcheck.cli import main
from sigcheck.config.settings import ConfigError, find_config, load_settings

BAD = """import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    loss.backward()
    optimizer.step()
"""


def run(*args):
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    return result, (json.loads(result.output) if result.output.startswith("{") else None)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(BAD)
    return tmp_path


def test_pyproject_table_is_read(project):
    (project / "pyproject.toml").write_text('[tool.sigcheck]\nignore = ["SIG002"]\n')
    _, data = run("train.py")
    assert data["diagnostics"] == []


def test_sigcheck_toml_wins_over_pyproject(project):
    (project / "pyproject.toml").write_text('[tool.sigcheck]\nignore = ["SIG002"]\n')
    (project / "sigcheck.toml").write_text('select = ["SIG002"]\n')
    _, data = run("train.py")
    assert [d["code"] for d in data["diagnostics"]] == ["SIG002"]
    assert find_config(project) == project / "sigcheck.toml"


def test_cli_flags_win_over_configuration(project):
    (project / "sigcheck.toml").write_text('ignore = ["SIG002"]\n')
    _, data = run("train.py", "--ignore", "SIG001")
    assert [d["code"] for d in data["diagnostics"]] == ["SIG002"]


def test_unknown_key_is_an_error_naming_it(project):
    (project / "sigcheck.toml").write_text('selekt = ["SIG002"]\n')
    result, _ = run("train.py")
    assert result.exit_code == 2
    assert "unknown key 'selekt'" in result.output


@pytest.mark.parametrize("text, message", [
    ('deadline = "soon"', "'deadline' must be a whole number"),
    ('severity = { SIG002 = "fatal" }', "severity['SIG002'] must be one of"),
    ('per-file-ignores = { "x.py" = "SIG002" }', "must be a list of rule codes"),
    ("select = [", "invalid TOML"),
])
def test_invalid_values_are_reported(project, text, message):
    (project / "sigcheck.toml").write_text(text + "\n")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(project / "sigcheck.toml")


def test_per_file_ignores_and_severity(project):
    (project / "sigcheck.toml").write_text('severity = { SIG002 = "warning" }\n')
    _, data = run("train.py")
    assert data["diagnostics"][0]["severity"] == "warning"
    (project / "sigcheck.toml").write_text('per-file-ignores = { "train*.py" = ["SIG00"] }\n')
    _, data = run("train.py")
    assert data["diagnostics"] == []


def test_save_functions_extend_the_knowledge(project):
    text = "from ckpt_utils import upload_ckpt\n" + BAD.replace("sys.exit(0)", "upload_ckpt()\n    sys.exit(0)")
    (project / "train.py").write_text(text)
    _, data = run("train.py")
    assert [d["code"] for d in data["diagnostics"]] == ["SIG002"]
    (project / "sigcheck.toml").write_text('save-functions = ["ckpt_utils.upload_ckpt"]\n')
    _, data = run("train.py")
    assert data["diagnostics"] == []


def test_entry_points_glob_selects_files_in_directory_runs(project):
    (project / "jobs").mkdir()
    # no __main__ guard, no loop at module level, no call of its own function there: not found by default
    (project / "jobs" / "job.py").write_text(BAD.replace(
        "for epoch in range(10):\n    loss.backward()\n    optimizer.step()",
        "def train():\n    for epoch in range(10):\n        loss.backward()\n        optimizer.step()\n\nresults = [train()]"))
    (project / "train.py").unlink()
    _, data = run(".")
    assert data["files"] == []
    (project / "sigcheck.toml").write_text('entry-points = ["jobs/*.py"]\n')
    _, data = run(".")
    assert data["files"] == ["jobs/job.py"] and [d["code"] for d in data["diagnostics"]] == ["SIG002"]
