"""Which calls start the training in a child process: the command's script is read where the
project has it, also when its folder is computed, and one sigcheck cannot name is not the trainer."""

from __future__ import annotations

import textwrap

TRAINS = "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"
SPLITS = "import sys\n\nfor line in open(sys.argv[1]):\n    print(line)\n"


def _starts(analysis, launcher: str, files: dict[str, str]) -> list[str]:
    a = analysis({"launch.py": textwrap.dedent(launcher), **files}, entries=("launch.py", *files))
    return [start.api for start in a.child_starts if a.functions[start.func_id].module == "launch"]


BESIDE = """
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(HERE, "{script}"), "--epochs", "10"])
"""


def test_a_script_beside_the_caller_is_read(analysis):
    assert _starts(analysis, BESIDE.format(script="worker.py"), {"worker.py": TRAINS}) == ["subprocess.run"]
    assert _starts(analysis, BESIDE.format(script="split_batches.py"), {"split_batches.py": SPLITS}) == []


def test_a_script_under_a_computed_root_is_read(analysis):
    # Megatron's dataset tool runs tools/preprocess_data.py under a folder given on its command line
    launcher = """
        import os
        import subprocess
        import sys

        def run_preprocess(megatron_dir):
            subprocess.run([sys.executable, os.path.join(megatron_dir, "tools", "preprocess_data.py")])

        run_preprocess(sys.argv[1])
    """
    assert _starts(analysis, launcher, {"tools/preprocess_data.py": SPLITS}) == []
    assert _starts(analysis, launcher, {"tools/preprocess_data.py": TRAINS}) == ["subprocess.run"]


def test_a_script_sigcheck_cannot_name_is_not_the_trainer(analysis):
    launcher = """
        import glob
        import subprocess
        import sys

        for test_file in glob.glob("test_*.py"):
            subprocess.run([sys.executable, test_file])
        subprocess.run(["/opt/conda/bin/python", sys.argv[1], *sys.argv[2:]])
    """
    assert _starts(analysis, launcher, {}) == []
