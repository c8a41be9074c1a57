"""--fix and --diff: edits keep formatting, the fixed file parses and re-analyses clean."""

from __future__ import annotations

import json
import textwrap

import libcst as cst
import pytest
from click.testing import CliRunner

from sigcheck.cli import main

SOURCE = '''"""Train and save."""
from __future__ import annotations

import torch  # the model library

MODEL = "/opt/ml/model/model.pt"   # keep this comment
DATA = '/opt/ml/input/data/train'

def main():
    torch.save(net.state_dict(), MODEL)
    print(DATA)
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "train.py").write_text(SOURCE)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, ["train.py", "--select", "OPT001", *args], catch_exceptions=False)


def test_diff_shows_the_fix_and_writes_nothing(project):
    result = run("--diff")
    assert result.exit_code == 1
    assert '+MODEL = os.path.join(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"), "model.pt")   # keep this comment' in result.output
    assert "+import os" in result.output
    assert (project / "train.py").read_text() == SOURCE


def test_fix_applies_parses_and_reanalyses_clean(project):
    result = run("--fix", "--format", "json")
    fixed = (project / "train.py").read_text()
    cst.parse_module(fixed)
    assert json.loads(result.output[result.output.index("{"):])["diagnostics"] == []
    assert fixed == textwrap.dedent('''\
        """Train and save."""
        from __future__ import annotations

        import os
        import torch  # the model library

        MODEL = os.path.join(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"), "model.pt")   # keep this comment
        DATA = os.environ.get('SM_CHANNEL_TRAIN', '/opt/ml/input/data/train')

        def main():
            torch.save(net.state_dict(), MODEL)
            print(DATA)
    ''')
    assert run("--diff").exit_code == 0  # nothing left to fix


def test_a_literal_inside_an_f_string_is_replaced_with_its_own_quotes(project):
    """autogluon's `print(f"{os.listdir('/opt/ml/model/')}")`: the lookup written with double
    quotes would end the f-string before Python 3.12; the literal's own quotes are legal there."""
    (project / "train.py").write_text('import os\nprint(f"contents: {os.listdir(\'/opt/ml/model/\')}")\n')
    run("--fix")
    fixed = (project / "train.py").read_text()
    assert fixed == 'import os\nprint(f"contents: {os.listdir(os.environ.get(\'SM_MODEL_DIR\', \'/opt/ml/model\'))}")\n'
    compile(fixed, "train.py", "exec", dont_inherit=True)


def test_a_fix_the_running_python_could_not_read_is_not_written(project, monkeypatch):
    """The guard behind the quotes: a fix is written only where the file still parses."""
    import sigcheck.checking.fixes as fixes

    monkeypatch.setattr(fixes.ast, "parse", lambda text: compile("(" if "environ" in text else "", "x", "exec"))
    result = run("--fix")
    assert (project / "train.py").read_text() == SOURCE
    assert result.exit_code == 1


def test_json_carries_the_fix(project):
    data = json.loads(run("--format", "json").output)
    fix = data["diagnostics"][0]["fix"]
    assert fix["applicability"] == "safe"
    assert fix["edits"][0] == {"path": "train.py", "line": 6, "column": 9, "end_line": 6, "end_column": 33,
                               "content": 'os.path.join(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"), "model.pt")'}


def test_no_import_added_when_os_is_imported(project):
    (project / "train.py").write_text('import os\nOUT = "/opt/ml/output"\nprint(OUT)\n')
    run("--fix")
    assert (project / "train.py").read_text() == 'import os\nOUT = os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output")\nprint(OUT)\n'


def test_checkpoint_paths_have_no_automatic_fix(project):
    (project / "train.py").write_text('CKPT = "/opt/ml/checkpoints"\nprint(CKPT)\n')
    data = json.loads(run("--format", "json").output)
    assert data["diagnostics"][0]["fix"] is None
