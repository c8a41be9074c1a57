"""The scripts a Python launcher names, found at discovery so that they are loaded as entry points."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sigcheck.container.model import load_container
from sigcheck.knowledge import builtin_knowledge

DOCKERFILE = 'FROM python:3.11\nWORKDIR /work\nCOPY src/ /opt/program/\nENTRYPOINT ["python", "/opt/program/launch.py"]\n'


def launched(tmp_path: Path, launcher: str, files=("train.py", "pkg/__init__.py", "pkg/train.py", "util.py")) -> list[str]:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    for name in files:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("print('x')\n")
    (tmp_path / "src" / "launch.py").write_text(textwrap.dedent(launcher).lstrip("\n"))
    container = load_container(tmp_path / "Dockerfile", tmp_path, builtin_knowledge())
    return [p.relative_to(tmp_path / "src").as_posix() for p in container.launched]


def test_scripts_beside_the_launcher_or_modules_it_runs_with_dash_m(tmp_path):
    assert launched(tmp_path, """
        import os, subprocess, sys
        here = os.path.dirname(__file__)
        subprocess.run([sys.executable, os.path.join(here, "train.py")])
        os.system(f"cd /opt/program && python -m pkg.train --lr {0.1}")
    """) == ["train.py", "pkg/train.py"]


def test_names_outside_the_image_comments_and_launchers_that_start_nothing_are_ignored(tmp_path):
    assert launched(tmp_path, """
        import subprocess
        # train.py is started below
        subprocess.run(["python", "missing.py", "launch.py"])
    """) == []
    assert launched(tmp_path, 'import train\nprint("train.py")\ntrain.main()\n') == []


def test_a_launcher_that_does_not_tokenize_names_what_comes_before_the_error(tmp_path):
    # the loader reports the syntax error; discovery only must not raise
    assert launched(tmp_path, 'import subprocess\nsubprocess.run(["python", "train.py"\n') == ["train.py"]
    assert launched(tmp_path, 'import os\nos.system("""python util.py\n') == []
