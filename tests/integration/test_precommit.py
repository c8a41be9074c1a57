"""The pre-commit hook as users get it: the real `pre-commit try-repo` against a small git repo.

pre-commit installs the hook's repository at a commit into its own virtual environment (pip
install from PyPI), so the current tree, uncommitted changes included, is copied into a
temporary repository and committed there. A bad training script makes the hook fail; a good one
passes with the same hook environment, which pre-commit reuses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What `pip install .` of the hook repository needs, and the hook manifest.
PACKAGE = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "analyzer", "rules"]

BAD = """
import signal, sys, torch

def on_sigterm(signum, frame):
    print("bye")
    sys.exit(0)

def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(10):
        loss = model(batch)
        loss.backward()
        optimizer.step()

if __name__ == "__main__":
    main()
"""

GOOD = BAD.replace('print("bye")', 'torch.save(model.state_dict(), "ckpt.pt")')


def _git(cwd: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),  # never the user's hook cache
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",  # no signing or hooks from the machine
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    })
    return env


def _hook_repo(tmp_path: Path, env: dict[str, str]) -> Path:
    repo = tmp_path / "sigcheck"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            repo.mkdir(exist_ok=True)
            shutil.copy2(source, repo / name)
    _git(repo, "init", "-q", env=env)
    _git(repo, "add", "-A", env=env)
    _git(repo, "commit", "-q", "-m", "sigcheck under test", env=env)
    return repo


def _try_repo(hook_repo: Path, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "sigcheck", "--all-files"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=240)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_hook_fails_on_a_bad_training_script_and_passes_a_good_one(tmp_path):
    env = _environment(tmp_path)
    hook_repo = _hook_repo(tmp_path, env)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("")
    train = project / "train.py"
    train.write_text(textwrap.dedent(BAD).lstrip())
    _git(project, "init", "-q", env=env)
    _git(project, "add", "-A", env=env)

    bad = _try_repo(hook_repo, project, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "train.py:8:5: SIG002" in bad.stdout

    train.write_text(textwrap.dedent(GOOD).lstrip())
    _git(project, "add", "-A", env=env)
    good = _try_repo(hook_repo, project, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
