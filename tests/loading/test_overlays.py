"""`overlays`: an editor's unsaved text, read instead of the file everywhere a run reads sources."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings

SAVES = """
import sys, torch
state = {}
def on_sigterm(signum, frame):
    torch.save(state, "ckpt.pt")
    sys.exit(0)
"""
TRAIN = """
import signal, torch
from helpers import on_sigterm
signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    loss = model(batch)
    loss.backward()
    optimizer.step()
"""


def _write(root: Path, files: dict[str, str]) -> None:
    (root / "pyproject.toml").touch()
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def test_an_imported_module_is_read_from_the_overlay(tmp_path: Path):
    _write(tmp_path, {"train.py": TRAIN, "helpers.py": SAVES})
    assert analyse([tmp_path / "train.py"], Settings()).diagnostics == []
    unsaved = {(tmp_path / "helpers.py").resolve(): textwrap.dedent(SAVES).replace('torch.save(state, "ckpt.pt")', "pass")}
    report = analyse([tmp_path / "train.py"], Settings(), overlays=unsaved)
    assert [d.code for d in report.diagnostics] == ["SIG002"]
    assert analyse([tmp_path / "train.py"], Settings()).diagnostics == []  # the file itself is untouched


def test_discovery_reads_the_overlay_to_find_entry_points(tmp_path: Path):
    _write(tmp_path, {"job.py": "def main():\n    pass\n"})
    assert analyse([tmp_path], Settings()).files == []
    overlays = {(tmp_path / "job.py").resolve(): "import torch\nfor epoch in range(3):\n    torch.save({}, '/opt/ml/model/m.pt')\n"}
    report = analyse([tmp_path], Settings(), overlays=overlays)
    assert [d.code for d in report.diagnostics] == ["OPT001"]


def test_dockerfiles_and_their_scripts_are_read_from_the_overlay(tmp_path: Path):
    _write(tmp_path, {"train.py": TRAIN, "helpers.py": SAVES})
    (tmp_path / "Dockerfile").write_text('FROM python:3.11\nCOPY . /app\nENTRYPOINT ["python", "/app/train.py"]\n')
    assert "DKR001" not in [d.code for d in analyse([tmp_path / "Dockerfile"], Settings()).diagnostics]
    overlays = {(tmp_path / "Dockerfile").resolve(): "FROM python:3.11\nCOPY . /app\nENTRYPOINT python /app/train.py\n"}
    report = analyse([tmp_path / "Dockerfile"], Settings(), overlays=overlays)
    assert "DKR001" in [d.code for d in report.diagnostics]


def test_a_nul_in_unsaved_text_is_a_located_error(tmp_path: Path):
    _write(tmp_path, {"train.py": TRAIN, "helpers.py": SAVES})
    report = analyse([tmp_path / "train.py"], Settings(), overlays={(tmp_path / "helpers.py").resolve(): "x = 1\ny\0 = 2\n"})
    [error] = report.errors
    assert (error.message, error.line, error.column) == ("source contains a NUL byte", 2, 2)
