"""`sigcheck clean`: the project's cache goes, and nothing that is not one."""

from __future__ import annotations

from click.testing import CliRunner

from sigcheck.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_clean_removes_the_cache_a_run_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGCHECK_CACHE_DIR", raising=False)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('hello')\n")
    invoke("src/train.py")
    assert (tmp_path / ".sigcheck_cache" / ".gitignore").is_file()
    result = invoke("clean", "src")  # the project root's cache, from a folder inside it
    assert result.exit_code == 0 and "Removed" in result.output
    assert not (tmp_path / ".sigcheck_cache").exists()
    again = invoke("clean")
    assert again.exit_code == 0 and "No cache at" in again.output


def test_clean_leaves_a_folder_sigcheck_did_not_create(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    precious = tmp_path / "results"
    precious.mkdir()
    (precious / "model.pt").write_bytes(b"weights")
    result = invoke("clean", "--cache-dir", "results")
    assert result.exit_code == 2 and "no cache sigcheck created" in result.output
    assert (precious / "model.pt").read_bytes() == b"weights"


def test_clean_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "train.py").write_text("print('hello')\n")
    monkeypatch.setenv("SIGCHECK_CACHE_DIR", str(tmp_path / "elsewhere"))
    invoke("train.py")
    assert (tmp_path / "elsewhere").is_dir() and not (tmp_path / ".sigcheck_cache").exists()
    assert invoke("clean").exit_code == 0
    assert not (tmp_path / "elsewhere").exists()
