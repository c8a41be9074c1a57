"""A script that puts a folder on sys.path itself imports from there: insightface's
arcface_paddle/tools/train.py, run from a subfolder of the repository, imports `dynamic.train`
from the folder above its own (triage CN). Only paths spelled from `__file__` are followed."""

from __future__ import annotations

import pytest

ENGINE = {"sub/engine/__init__.py": "", "sub/engine/train.py": "from engine.steps import step\n\n\ndef train():\n    step()\n",
          "sub/engine/steps.py": "def step():\n    pass\n"}


@pytest.mark.parametrize("added", [
    "os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
    "os.path.join(os.path.dirname(__file__), '..')",
    "str(Path(__file__).resolve().parents[1])",
    "str(Path(__file__).parent.parent)",
    "str(Path(__file__).parent / '..')",
])
def test_a_folder_the_script_adds_from_its_own_path_is_searched(load, added):
    script = f"import os\nimport sys\nfrom pathlib import Path\n\nsys.path.insert(0, {added})\n\n" \
             "from engine.train import train\n\ntrain()\n"
    project = load({"setup.py": "", "sub/tools/train.py": script, **ENGINE}, entries=("sub/tools/train.py",))
    # the modules the added folder holds find their own imports there too
    assert {"sub.engine.train", "sub.engine.steps"} <= set(project.modules)


@pytest.mark.parametrize("added", ["os.path.abspath('.')", "os.getcwd()", "some_folder"],
                         ids=["the working folder", "os.getcwd()", "a variable"])
def test_a_folder_not_spelled_from_the_scripts_path_is_not_guessed(load, added):
    script = f"import os\nimport sys\n\nsys.path.append({added})\n\nfrom engine.train import train\n\ntrain()\n"
    project = load({"setup.py": "", "sub/tools/train.py": script, **ENGINE}, entries=("sub/tools/train.py",))
    assert "sub.engine.train" not in project.modules


def test_the_scripts_training_is_judged_through_the_added_folder(run_sigcheck):
    script = "import os\nimport sys\n\nsys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n\n" \
             "from engine.train import train\n\nif __name__ == '__main__':\n    train()\n"
    engine = "import torch\n\n\ndef train():\n    model = torch.nn.Linear(4, 1)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n" \
             "    for step in range(1000):\n        model(torch.randn(8, 4)).sum().backward()\n        opt.step()\n"
    report = run_sigcheck({"sub/tools/train.py": script, "sub/engine/__init__.py": "", "sub/engine/train.py": engine},
                          ["sub/tools/train.py"])
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "sub/engine/train.py")]
